"""The ARC augmentation oracle: the reference's rules (SEAL few-shot code with
arclib's augmenters and inference/preprocess.py, seal-method.md sections 3.3,
3.4, 3.7 and 7) written again with NumPy, on real ARC tasks.

    augment_oracle.py ARC_DIR TASKS_OUT EXPECTED_OUT [SIZES_OUT]

writes the driver's input (one task a line) and the text test_arc_augment
--dump must print for it. One deliberate difference from the reference: where
it takes list(set(tasks)) (an order that follows PYTHONHASHSEED), this keeps
the first occurrences in list order, seal's documented order. Everything else
(Python's own sets of small ints in PermuteColors and the leave-n indices,
RandomState draws, copies of the generator for RandomTranslateXY) is the
reference's. SIZES_OUT gets the TTT set sizes of the 11 training tasks.
"""
import copy
import itertools
import json
import random
import sys

import numpy as np
from numpy.random import RandomState

# ---- tasks ----


class Ex:
    def __init__(self, i, o):
        self.i, self.o = np.asarray(i), (None if o is None else np.asarray(o))


class Task:
    def __init__(self, demos, query):
        self.demos, self.query = list(demos), query

    def grids(self):
        for e in self.demos:
            yield e.i
            yield e.o
        yield self.query.i
        if self.query.o is not None:
            yield self.query.o

    def key(self):
        return (len(self.demos), self.query.o is not None) + tuple((g.shape, g.tobytes()) for g in self.grids())

    def __eq__(self, other):
        return self.key() == other.key()

    def fits(self):
        return all(g.shape[0] <= 30 and g.shape[1] <= 30 for g in self.grids())


def unique(tasks):
    """list(set(tasks)) in seal's order: first occurrences."""
    seen, out = set(), []
    for t in tasks:
        if t.key() not in seen:
            seen.add(t.key())
            out.append(t)
    return out


def grid_text(g):
    return "%dx%d:%s" % (g.shape[0], g.shape[1], "".join(str(int(v)) for v in g.flatten()))


def task_text(t):
    return " ".join(["%d/%d" % (len(t.demos), t.query.o is not None)] + [grid_text(g) for g in t.grids()])


# ---- augmenters: (name, grid function(g, rng), shares the generator) ----


def rot(k):
    return lambda g, rng: np.rot90(g, k=k)


def reflect(axis, reverse):
    def f(g, rng):
        flipped = np.flipud(g) if axis == 0 else np.fliplr(g)
        parts = (flipped, g) if reverse else (g, flipped)
        return np.concatenate(parts, axis=axis)
    return f


def translate(g, rng):
    sx = rng.randint(0, min(4, g.shape[0]))
    sy = rng.randint(0, min(4, g.shape[1]))
    return np.roll(g, (sx, sy), axis=(0, 1))


def upscale(fh, fw):
    return lambda g, rng: np.repeat(np.repeat(g, fh, axis=0), fw, axis=1)


def tile(axis):
    def f(g, rng):
        if axis == 0:
            return np.concatenate([g, g], axis=0)
        if axis == 1:
            return np.concatenate([g, g], axis=1)
        return np.concatenate([np.concatenate([g, g], axis=0)] * 2, axis=1)
    return f


FLIP0 = lambda g, rng: np.flipud(g)  # noqa: E731
FLIP1 = lambda g, rng: np.fliplr(g)  # noqa: E731
TRANSPOSE = lambda g, rng: np.transpose(g)  # noqa: E731
RES2 = upscale(2, 2)


def chain(first):
    return lambda g, rng: RES2(first(g, rng), rng)


BASIC = [("Rotate(90)", rot(1)), ("Rotate(270)", rot(3)), ("Rotate(180)", rot(2)), ("Flip(0)", FLIP0),
         ("Flip(1)", FLIP1), ("Reflect(0, reverse=True)", reflect(0, True)),
         ("Reflect(1, reverse=True)", reflect(1, True)), ("Reflect(0, reverse=False)", reflect(0, False)),
         ("Reflect(1, reverse=False)", reflect(1, False)), ("RandomTranslateXY()", translate),
         ("Transpose()", TRANSPOSE)]
SIZE = [("IncreaseResolution(2)", RES2), ("IncreaseHeight(2)", upscale(2, 1)), ("IncreaseWidth(2)", upscale(1, 2))]
CHAIN = [("Chain([%s, IncreaseResolution(2)])" % n, chain(f)) for n, f in
         [("Rotate(90)", rot(1)), ("Rotate(270)", rot(3)), ("Rotate(180)", rot(2)), ("Flip(0)", FLIP0),
          ("Flip(1)", FLIP1), ("Transpose()", TRANSPOSE)]]
REPEAT = [("Repeat(0, 2)", tile(0)), ("Repeat(1, 2)", tile(1)), ("Repeat(2, 2)", tile(2))]


def augmenters(groups):
    out = []
    for bit, group in ((1, BASIC), (2, SIZE), (4, CHAIN), (8, REPEAT)):
        if groups & bit:
            out += group
    return out


def apply_to_task(aug, task, rng):
    """Augmenter.apply_to_task: RandomTranslateXY (share_rng) gives every
    example a deep copy of rng; input first, then output, from that copy."""
    name, f = aug
    shared = name == "RandomTranslateXY()"

    def example(e):
        r = copy.deepcopy(rng) if shared else rng
        i = f(e.i, r)
        return Ex(i, None if e.o is None else f(e.o, r))
    return Task([example(e) for e in task.demos], example(task.query))


# ---- PermuteColors and PermuteExamples, as arclib writes them ----


def colour_map(task, rng):
    colors = []
    for e in task.demos:
        colors += e.i.flatten().tolist()
        colors += e.o.flatten().tolist()
    colors += task.query.i.flatten().tolist()
    if task.query.o is not None:
        colors += task.query.o.flatten().tolist()
    colors = set(colors)
    colors = colors - {0}
    remaining = list(set(list(range(1, 10))) - colors)
    colors = list(colors)
    rng.shuffle(remaining)
    permuted = rng.permutation(colors).tolist()
    cmap = {0: 0}
    for c in colors:
        if c in cmap:
            continue
        if len(remaining) > 0:
            new = remaining.pop()
        else:
            new = permuted.pop()
            cmap[new] = c
            if c in permuted:
                permuted.remove(c)
        cmap[c] = new
    return [cmap.get(c, c) for c in range(10)]


def recolour(task, cmap):
    lut = np.array(cmap)
    return Task([Ex(lut[e.i], lut[e.o]) for e in task.demos],
                Ex(lut[task.query.i], None if task.query.o is None else lut[task.query.o]))


def permute_examples(task, rng):
    perm = rng.permutation(len(task.demos))
    return Task([task.demos[i] for i in perm], task.query)


# ---- the TTT set (get_test_time_train_data, process_task) ----


def leave_n(task, n):
    ex = task.demos
    out = []
    for i in range(len(ex)):
        indices = set(range(len(ex))) - {i}
        combs = [indices - set(c) for c in itertools.combinations(indices, n - 1)]
        for comb in combs:
            out.append(Task([ex[j] for j in comb], ex[i]))
    return out


def ttt_one(task, augs, n):
    rng = RandomState(0)
    initial = leave_n(task, n)
    augmented = []
    for aug in augs:
        for t in initial:
            a = apply_to_task(aug, t, rng)
            if a.fits():
                augmented.append(a)
    tasks = unique(augmented + initial)
    permuted = []
    for t in tasks:
        new = recolour(t, colour_map(t, rng)) if augs else t
        permuted.append(permute_examples(new, rng))
    return unique(permuted + tasks)


def ttt(task, groups, leave=(1, 2)):
    out = []
    for n in leave:
        out += ttt_one(task, augmenters(groups), n)
    return out


def cap(tasks, nmax=250, seed=0):
    tasks = list(tasks)
    if len(tasks) > nmax:
        RandomState(seed).shuffle(tasks)
        tasks = tasks[:nmax]
    return tasks


# ---- evaluation queries (get_leave_n_test_task) ----

VIEWS = [(1, 1, TRANSPOSE), (2, 2, FLIP0), (3, 3, FLIP1), (4, 6, rot(1)), (5, 5, rot(2))]  # (view, inverse, f)


def queries(task, n, permute_n=2, seed=0):
    rng = RandomState(seed)
    indices = list(range(len(task.demos)))
    combs = [set(indices) - set(c) for c in itertools.combinations(indices, n)]
    tests = []
    for comb in combs:
        new = Task([task.demos[j] for j in comb], task.query)
        tests.append((0, new))
        for _ in range(permute_n):
            tests.append((0, permute_examples(new, rng)))
    tests = unique_q(tests)
    if not tests:
        return []
    views = []
    for _, inv, f in VIEWS:
        pool = np.empty(len(tests), dtype=object)  # rng.choice(test_tasks): a list of Task objects
        for k, (_, q) in enumerate(tests):
            pool[k] = q
        chosen = rng.choice(pool)
        a = Task([Ex(f(e.i, None), f(e.o, None)) for e in chosen.demos],
                 Ex(f(chosen.query.i, None), None if chosen.query.o is None else f(chosen.query.o, None)))
        if any(a == t for _, t in tests):
            continue
        views.append((inv, a))
    return unique_q(views + tests)


def unique_q(qs):
    seen, out = set(), []
    for inv, t in qs:
        if t.key() not in seen:
            seen.add(t.key())
            out.append((inv, t))
    return out


# ---- the dump ----


def light(task, out):
    rng = RandomState(7)
    for aug in augmenters(15):
        a = apply_to_task(aug, task, rng)
        out.append("AUG %s %s" % (aug[0], task_text(a) if a.fits() else "DROP"))
    g = task.query.i
    views = [g, np.transpose(g), np.flipud(g), np.fliplr(g), np.rot90(g, 1), np.rot90(g, 2), np.rot90(g, 3)]
    for v, vg in enumerate(views):
        out.append("VIEW %d %s inverse ok" % (v, grid_text(vg)))
    for s in range(5):
        out.append("COLOUR %d %s" % (s, "".join(map(str, colour_map(task, RandomState(s))))))


def full(task, out):
    for n in (1, 2):
        tasks = leave_n(task, n)
        out.append("LEAVE %d %d" % (n, len(tasks)))
        out += [task_text(t) for t in tasks]
    sizes = {}
    for groups in (15, 1, 0):
        tasks = ttt(task, groups)
        out.append("TTT %d %d" % (groups, len(tasks)))
        out += [task_text(t) for t in tasks]
        if groups == 15:
            capped = cap(tasks)
            out.append("CAP %d" % len(capped))
            out += [task_text(t) for t in capped]
            sizes = (len(tasks), len(capped))
    for n in (1, 2):
        qs = queries(task, n)
        out.append("QUERY %d %d" % (n, len(qs)))
        out += ["%d %s" % (inv, task_text(t)) for inv, t in qs]
    return sizes


def load(challenges, solutions):
    with open(challenges) as f:
        data = json.load(f)
    with open(solutions) as f:
        sol = json.load(f)
    subtasks = []
    for tid, t in data.items():
        demos = [Ex(e["input"], e["output"]) for e in t["train"]]
        for i, test in enumerate(t["test"]):
            subtasks.append(("%s-%d" % (tid, i), Task(demos, Ex(test["input"], sol[tid][i]))))
    return subtasks


def main():
    arc, tasks_out, expected_out = sys.argv[1:4]
    sizes_out = sys.argv[4] if len(sys.argv) > 4 else None
    lines, expect, sizes = [], [], []
    train = load(arc + "/arc-agi_training_challenges_filtered_1B_training_set.json",
                 arc + "/arc-agi_training_solutions_filtered_1B_training_set.json")
    evals = load(arc + "/arc-agi_evaluation_challenges_filtered_1B_eval_set.json",
                 arc + "/arc-agi_evaluation_solutions_filtered_1B_eval_set.json")
    chosen = [s for s in train[:12] if not s[0].endswith("-1")]  # self-edit.py --n_tasks=12
    for name, t in train + evals:
        lines.append("FULL " + task_text(t))
        expect.append("TASK")
        light(t, expect)
        size = full(t, expect)
        if any(name == c[0] for c in chosen):
            sizes.append("%s %d %d" % (name.split("-")[0], size[0], size[1]))
    big = load(arc + "/arc-agi_training_challenges.json", arc + "/arc-agi_training_solutions.json")
    for name, t in big[:120]:
        lines.append("LIGHT " + task_text(t))
        expect.append("TASK")
        light(t, expect)
    # every colour subset, first met in two random orders
    r = random.Random(15)
    for mask in range(1, 1 << 10):
        for _ in range(2):
            cs = [c for c in range(10) if mask >> c & 1]
            r.shuffle(cs)
            g = np.array([cs])
            t = Task([Ex(g, g)], Ex(g, g))
            lines.append("COLOUR " + task_text(t))
            expect.append("TASK")
            expect.append("COLOUR 0 " + "".join(map(str, colour_map(t, RandomState(0)))))
    with open(tasks_out, "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(expected_out, "w") as f:
        f.write("\n".join(expect) + "\n")
    if sizes_out:
        with open(sizes_out, "w") as f:
            f.write("\n".join(sizes) + "\n")


if __name__ == "__main__":
    main()
