"""Random ARC grids and their NumPy str(): writes GRIDS (lines "H W DIGITS",
the input of `test_arc_grid numpy-str`) and WANT (each str(np.array(grid))
followed by a line "="). Shapes cover every side from 1 to 30; the colour
range of each grid varies so that one-colour and ten-colour grids both occur.
    grid_oracle.py GRIDS WANT [COUNT]"""
import sys

import numpy as np

grids_path, want_path = sys.argv[1], sys.argv[2]
count = int(sys.argv[3]) if len(sys.argv) > 3 else 400
rng = np.random.default_rng(20261207)
with open(grids_path, "w") as grids, open(want_path, "w") as want:
    for i in range(count):
        h = 1 + i % 30 if i < 60 else int(rng.integers(1, 31))
        w = 1 + (i * 7) % 30 if i < 60 else int(rng.integers(1, 31))
        a = rng.integers(0, int(rng.integers(1, 11)), size=(h, w))
        grids.write("%d %d %s\n" % (h, w, "".join(str(int(v)) for v in a.flat)))
        want.write(str(a) + "\n=\n")
    # Corner cases: the widest and tallest grids of one colour.
    for h, w, c in ((1, 30, 9), (30, 1, 0), (30, 30, 5)):
        a = np.full((h, w), c)
        grids.write("%d %d %s\n" % (h, w, str(c) * (h * w)))
        want.write(str(a) + "\n=\n")
