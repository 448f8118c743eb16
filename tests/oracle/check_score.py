#!/usr/bin/python3
"""check_score.py MODEL_DIR IDS_JSON SEAL_OUTPUT_JSON TOL

Compare `seal score -m MODEL_DIR --ids "..." --json` output with the float64
oracle. IDS_JSON is a JSON list of ids, given literally or as a file path;
SEAL_OUTPUT_JSON is seal's JSON object {"ids":[...],"logprobs":[...],"nll":X},
literally, as a file path, or "-" for stdin. Prints max |delta logprob| and
exits 1 when it exceeds TOL or the output is malformed.

Also a library: compare() and run_seal_score() are used by the test drivers.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hfmodel  # noqa: E402


def load_json_arg(arg):
    if arg == "-":
        return json.load(sys.stdin)
    if os.path.exists(arg):
        with open(arg) as f:
            return json.load(f)
    return json.loads(arg)


def run_seal_score(seal, model_dir, ids, timeout=120):
    """Run seal score; returns (parsed JSON or None, error string or None)."""
    cmd = [seal, "score", "-m", model_dir, "--ids", " ".join(str(i) for i in ids), "--json"]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "timed out after %ds: %s" % (timeout, " ".join(cmd[:4]))
    if p.returncode != 0:
        return None, "exit %d: %s" % (p.returncode, p.stderr.strip()[-2000:])
    try:
        return json.loads(p.stdout), None
    except ValueError as e:
        return None, "stdout is not JSON (%s): %r" % (e, p.stdout[:300])


def compare(ref_logprobs, ids, out, tol):
    """Check seal's output object against oracle logprobs.
    Returns (ok, max_abs_delta or None, message)."""
    if not isinstance(out, dict) or not all(k in out for k in ("ids", "logprobs", "nll")):
        return False, None, "output lacks ids/logprobs/nll: %r" % (str(out)[:200],)
    if list(out["ids"]) != list(ids):
        return False, None, "ids echoed back differ from the input"
    lp = out["logprobs"]
    if len(lp) != len(ids) - 1:
        return False, None, "len(logprobs) = %d, want len(ids)-1 = %d" % (len(lp), len(ids) - 1)
    if not all(isinstance(v, (int, float)) for v in lp):
        return False, None, "non-numeric logprob"
    deltas = [abs(a - b) for a, b in zip(lp, ref_logprobs)]
    worst = max(deltas) if deltas else 0.0
    at = deltas.index(worst) if deltas else -1
    if not worst <= tol:  # also catches NaN
        return False, worst, "max |delta logprob| %.3g at position %d (seal %r, oracle %.8f) > tol %g" % (
            worst, at, lp[at], ref_logprobs[at], tol)
    ref_nll = -sum(ref_logprobs)
    if not abs(out["nll"] - ref_nll) <= tol * max(1, len(lp)):
        return False, worst, "nll %r, oracle %.8f" % (out["nll"], ref_nll)
    if not abs(out["nll"] + sum(lp)) <= 1e-4 * max(1.0, abs(ref_nll)):
        return False, worst, "nll %r is not -sum(logprobs) = %r" % (out["nll"], -sum(lp))
    return True, worst, "max |delta logprob| %.3g" % worst


def main(argv):
    if len(argv) != 5:
        sys.stderr.write(__doc__)
        return 2
    model_dir, ids, out, tol = argv[1], load_json_arg(argv[2]), load_json_arg(argv[3]), float(argv[4])
    ref = hfmodel.forward_logprobs(hfmodel.load_model(model_dir), ids)
    ok, worst, msg = compare(ref, ids, out, tol)
    print(("OK " if ok else "FAIL ") + msg)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
