"""close_curves.py LOG ONE PAR [PAR ...]: the JSONL log named LOG in run directory ONE and in each PAR has the same
lines, the same "step" and "tokens" on each, and its "loss", "grad_norm" and "eval_loss" (where a line has them)
within 1e-4 relative (the data-parallel tolerance, docs/scale-out.md). Exit 1 naming the first line outside it."""
import json
import sys

log, one_dir, par_dirs = sys.argv[1], sys.argv[2], sys.argv[3:]


def lines(d):
    return [json.loads(x) for x in open(d + "/" + log)]


one = lines(one_dir)
for d in par_dirs:
    par = lines(d)
    if len(par) != len(one):
        sys.exit("%s: %d lines, %s: %d" % (d, len(par), one_dir, len(one)))
    for a, b in zip(one, par):
        if a.get("step") != b.get("step") or a.get("tokens") != b.get("tokens"):
            sys.exit("%s: step or tokens differ: %s vs %s" % (d, a, b))
        for k in ("loss", "grad_norm", "eval_loss"):
            if k in a and abs(a[k] - b[k]) > 1e-4 * abs(a[k]):
                sys.exit("%s: step %s: %s %r vs %r" % (d, a["step"], k, a[k], b[k]))
