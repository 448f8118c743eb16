"""The draws `build/tests/test_nprandom dump` prints, made by NumPy's legacy
RandomState: the oracle for util/nprandom.c (tests/arc/test_arc_data.sh diffs
the two). Each line is a label and values; keep the battery in step with
tests/unit/test_nprandom.c's dump_battery."""
import numpy as np

SEEDS = [0, 1, 42, 12345, 2**31 - 1, 2**32 - 1]
RANGES = [(0, 1), (0, 2), (0, 10), (-5, 7), (0, 30), (0, 2**31), (0, 2**32 - 1), (0, 2**32),
          (0, 2**32 + 1), (0, 2**32 + 5), (-2**33, 2**35), (0, 2**40), (0, 2**53 + 3),
          (-2**62, 2**62), (-2**63, 2**63 - 1)]


def out(label, vals):
    print(label + ":" + "".join(" %d" % int(v) for v in vals))


def battery(seed):
    r = np.random.RandomState(seed)
    out("s%d raw" % seed, [r.randint(0, 2**32) for _ in range(5)])
    print("s%d rand:" % seed, " ".join("%.17g" % r.rand() for _ in range(4)))
    print("s%d randarr:" % seed, " ".join("%.17g" % v for v in r.rand(3)))
    for lo, hi in RANGES:
        out("s%d randint %d %d" % (seed, lo, hi), [r.randint(lo, hi) for _ in range(3)])
        out("s%d randarr %d %d" % (seed, lo, hi), r.randint(lo, hi, size=4))
    for n in (0, 1, 2, 3, 10, 37, 300):
        x = list(range(n))
        r.shuffle(x)
        out("s%d shuffle %d" % (seed, n), x)
    a = np.arange(20) * 7
    r.shuffle(a)
    out("s%d shufarr 20" % seed, a)
    for n in (1, 5, 11, 64):
        out("s%d perm %d" % (seed, n), r.permutation(n))
    for n, k in ((10, 4), (3, 7), (1, 1), (2**20, 3)):
        out("s%d choice+ %d %d" % (seed, n, k), r.choice(n, k, replace=True))
    for n, k in ((10, 4), (5, 5), (11, 9), (1, 1), (100, 0)):
        out("s%d choice- %d %d" % (seed, n, k), r.choice(n, k, replace=False))
    out("s%d tail" % seed, [r.randint(0, 2**32) for _ in range(3)])


for s in SEEDS:
    battery(s)
# The reference's eval subset: np.random.seed(0); np.random.shuffle(list).
np.random.seed(0)
x = list(range(11))
np.random.shuffle(x)
out("global seed0 shuffle 11", x)
