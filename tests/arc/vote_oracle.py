"""The reference's prediction parsing and voting, written from a reading of
SEAL's few-shot code (eval-self-edits.py's decoding loop,
arclib/representers.py parse_numpy_from_str, arclib/voting.py), run on
random inputs for tests/arc/test_arc_vote.sh to diff against seal.

  vote_oracle.py parse N SEED TEXTS EXPECTED
  vote_oracle.py vote  N SEED CASES EXPECTED

TEXTS: per text "<byte length>\\n<utf-8 bytes>\\n". EXPECTED (parse): per
text "-" (a failed prediction) or "h w cells". CASES: "case n" then n lines
"valid inverter h w cells" (inverter: seal's arc_view number); EXPECTED
(vote): per case "h w cells h w cells" (the two attempts).

Where seal cannot hold what the reference keeps (an int8 outside 0-9, a side
over 30 or of 0, an element past 2**63), seal's expectation is a failed
prediction: see arc/vote.h."""
import random
import sys
import warnings

import numpy as np

warnings.filterwarnings("ignore")  # NumPy's notes on int8 overflow: wrapping is the point


def to_tuple(arr):
    return tuple(tuple(int(e) for e in row) for row in arr)


# ---- parsing, as the reference's evaluation loop does it ----

def ref_parse_numpy(s):
    try:
        elements = list(map(int, s.replace("[", "").replace("]", "").split()))
        rows = s.count("\n") + 1
        return np.array(elements).reshape((rows, len(elements) // rows)).astype(np.int8)
    except Exception:
        return None


def ref_clean(out):
    out = out.replace("#", "").replace("  ", " ")
    if "```" in out:
        out = out.split("```")[1].strip()
    return out.strip()


def ref_decode(out):
    return ref_parse_numpy(ref_clean(out))


def past_int64(text):
    """Some element is 2**63 or more in magnitude (NumPy's array is then
    uint64, float or object, and its int8s depend on the other elements)."""
    try:
        return any(abs(int(e)) >= 2**63 for e in ref_clean(text).replace("[", "").replace("]", "").split())
    except ValueError:
        return False


def seal_expect(text):
    """The reference's grid, or None where seal reports a failed prediction."""
    arr = ref_decode(text)
    if arr is None or past_int64(text):
        return None
    try:
        g = to_tuple(arr)
    except Exception:
        return None
    h = len(g)
    w = len(g[0]) if h else 0
    if not (1 <= h <= 30 and 1 <= w <= 30) or any(not 0 <= c <= 9 for row in g for c in row):
        return None
    return g


def grid_line(g):
    return f"{len(g)} {len(g[0])} " + "".join(str(c) for row in g for c in row)


NOISE = ["#", "#", "  ", "   ", "\n", "[", "]", "]]", "[[", "`", "```", "```python\n", " -> ", "a", "x1", "1.0", "+",
         "-", "_", "0_1", "-0", "+3", "007", "261", "-251", "12", "\u00a0", "\u2003", "\u3000", "\x85", "\x1c", "\t",
         "\r\n", "\uff13", "\u0663", "\u2212", "\ufffd", "\x00", "9" * 25, "0" * 4301]


def numpy_str(g):
    return str(np.array(g))


def random_grid(rng, hmax=6, wmax=6):
    h, w = rng.randint(1, hmax), rng.randint(1, wmax)
    return [[rng.randint(0, 9) for _ in range(w)] for _ in range(h)]


def random_text(rng):
    g = random_grid(rng)
    t = numpy_str(g) + rng.choice(["#", "", "#\n", "#" + numpy_str(random_grid(rng))])
    if rng.random() < 0.2:
        fence = rng.choice(["```", "```\n", "``#`", "```json\n"])
        t = rng.choice(["", "Answer:\n", "``"]) + fence + t + rng.choice(["```", "\n```", "", "``` then ```x```"])
    for _ in range(rng.choice([0, 0, 0, 0, 1, 1, 2, 3, 6])):
        pos = rng.randint(0, len(t))
        op = rng.random()
        if op < 0.6:
            t = t[:pos] + rng.choice(NOISE) + t[pos:]
        elif op < 0.8:
            t = t[:pos] + t[pos + rng.randint(1, 4):]
        else:
            t = t[:pos]
    if rng.random() < 0.05:
        t = "\n".join(" ".join(str(rng.randint(0, 9)) for _ in range(31)) for _ in range(rng.choice([1, 31])))
    return t


def cmd_parse(n, seed, texts_path, expected_path):
    rng = random.Random(seed)
    with open(texts_path, "wb") as ft, open(expected_path, "w") as fe:
        for _ in range(n):
            t = random_text(rng)
            b = t.encode("utf-8", "surrogatepass")
            ft.write(f"{len(b)}\n".encode() + b + b"\n")
            g = seal_expect(t)
            fe.write("-\n" if g is None else grid_line(g) + "\n")


# ---- voting, as arclib/voting.py does it ----

INVERTER = {0: None, 1: "Transpose()", 2: "Flip(0)", 3: "Flip(1)", 4: "Rotate(90)", 5: "Rotate(180)", 6: "Rotate(270)"}


def line_majority(outputs, transpose=False):
    if transpose:
        outputs = [to_tuple(np.array(o).T) for o in outputs]
    shapes = [np.array(o).shape for o in outputs]
    h, w = max(set(shapes), key=shapes.count)
    rows = []
    for r in range(h):
        offered = [o[r] for o in outputs if len(o) > r and len(o[r]) == w]
        rows.append(max(set(offered), key=offered.count))
    out = np.array(rows)
    return to_tuple(out.T if transpose else out)


def top3(outputs):
    if not outputs:
        return (None, None, None)
    uniq = list(set(outputs))
    counts = [outputs.count(u) for u in uniq]
    first = uniq[np.argmax(counts)]
    second = third = first
    rowm, colm = line_majority(outputs), line_majority(outputs, True)
    if len(uniq) > 2:
        second = uniq[np.argsort(counts)[-2]]
        third = uniq[np.argsort(counts)[-3]]
    elif len(uniq) > 1:
        second = uniq[np.argsort(counts)[-2]]
    if second == first:
        second = rowm if rowm != first else colm
    if third in (first, second):
        third = rowm if rowm not in (first, second) else colm
    return first, second, third


def ref_vote(preds):
    """preds: (inverter string or None, grid tuple) in seal's order."""
    groups = {}
    for inv, g in preds:
        groups.setdefault("identity" if inv is None else inv, []).append(g)
    everything = []
    for k in groups:
        everything += groups[k]
    groups["all"] = everything
    cands = []
    for k in ["all", "identity", "Transpose()", "Flip(0)", "Flip(1)", "Rotate(180)", "Rotate(270)"]:
        if k in groups:
            cands += [c for c in top3(groups[k]) if c is not None]
    c1, c2, c3 = top3(cands)
    if cands.count(c2) == cands.count(c3) and "identity" in groups:
        if groups["identity"].count(c2) > groups["identity"].count(c3):
            c3 = c2
        else:
            c2 = c3
    return c1, c2


def mutate(rng, g):
    g = [list(r) for r in g]
    r, c = rng.randrange(len(g)), rng.randrange(len(g[0]))
    g[r][c] = rng.randint(0, 3)
    return g


def random_case(rng):
    h, w = rng.randint(1, 4), rng.randint(1, 4)
    shapes = [(h, w), (h, w), (h + 1, w), (h, w + 1), (w, h)]
    pool = []
    for _ in range(rng.randint(1, 6)):
        sh = rng.choice(shapes)
        pool.append([[rng.randint(0, 3) for _ in range(sh[1])] for _ in range(sh[0])])
    invs = rng.choice([[0], [0, 1, 2, 3, 5, 6], [1, 2, 5], [0, 1, 2, 3, 4, 5, 6], [4, 6]])
    preds = []
    for _ in range(rng.choice([0, 1, 2, 3, 5, 8, 13, 21, 34, 60])):
        g = rng.choice(pool)
        if rng.random() < 0.3:
            g = mutate(rng, g)
        preds.append((int(rng.random() > 0.1), rng.choice(invs), g))
    return preds


def cmd_vote(n, seed, cases_path, expected_path):
    rng = random.Random(seed)
    with open(cases_path, "w") as fc, open(expected_path, "w") as fe:
        for _ in range(n):
            preds = random_case(rng)
            fc.write(f"case {len(preds)}\n")
            for valid, inv, g in preds:
                fc.write(f"{valid} {inv} {grid_line(g)}\n")
            used = [(INVERTER[inv], to_tuple(g)) for valid, inv, g in preds if valid]
            a = ref_vote(used) if used else (((0,),), ((0,),))
            fe.write(grid_line(a[0]) + " " + grid_line(a[1]) + "\n")


if __name__ == "__main__":
    mode, n, seed, a, b = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
    {"parse": cmd_parse, "vote": cmd_vote}[mode](n, seed, a, b)
