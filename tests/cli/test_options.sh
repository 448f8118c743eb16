#!/usr/bin/env bash
# Every command's options come from the one option table (src/cli/opt.h):
# walk every command and subcommand through --help-json and feed each numeric
# option a non-numeric, a non-finite, a fractional (for whole numbers) and an
# out-of-range value. Each must be refused with exit 2 and one line on stderr
# that names the option; a command run without its required options names the
# first missing one in one line.
set -u
[ -x "$SEAL" ] || { echo "SKIP: $SEAL not built"; exit 77; }
[ -x /usr/bin/python3 ] || { echo "SKIP: /usr/bin/python3 missing"; exit 77; }
/usr/bin/python3 - "$SEAL" <<'PY'
import json, subprocess, sys
seal = sys.argv[1]
fails = []

def run(args):
    p = subprocess.run([seal] + args, capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr

def tables(prefix):
    rc, out, err = run(prefix + ["--help-json"])
    if rc != 0:
        fails.append(f"{' '.join(prefix)} --help-json: exit {rc}: {err.strip()[:200]}")
        return
    try:
        doc = json.loads(out)
    except ValueError as e:
        fails.append(f"{' '.join(prefix)} --help-json: not JSON ({e})")
        return
    if "subcommands" in doc:
        for s in doc["subcommands"]:
            yield from tables(prefix + [s])
    else:
        yield prefix, doc["options"]

def bad_values(o):
    t, lo, hi = o["type"], o["min"], o["max"]
    vals = ["abc", "nan", "inf", "-inf", "1e999"]
    if t in ("int", "u64"):
        vals += ["1.5", "2e3", ""]
        vals.append(str(int(hi) + 1) if hi < 1e18 else "18446744073709551616")
        vals.append(str(int(lo) - 1) if not o["gt_min"] else str(int(lo)))
    else:
        vals += ["1e-3x", "0x"]
        if hi < 1e300: vals.append(repr(hi * 2 + 1))
        if lo > -1e300: vals.append(repr(lo if o["gt_min"] else lo - abs(lo) - 1))
    return vals

commands = []
rc, out, _ = run(["--help"])
for line in out.splitlines():
    if line.startswith("  ") and line[2:3].isalpha():
        commands.append(line.split()[0])
assert len(commands) >= 14, commands

checked = 0
for c in commands:
    for prefix, opts in tables([c]):
        name = " ".join(prefix)
        for o in opts:
            if o["type"] not in ("int", "u64", "float"):
                continue
            if not (o["min"] < o["max"]):
                fails.append(f"{name} --{o['name']}: bounds {o['min']}..{o['max']}")
            for v in bad_values(o):
                rc, out, err = run(prefix + [f"--{o['name']}", v])
                lines = err.strip().splitlines()
                if rc != 2 or len(lines) != 1 or f"--{o['name']}" not in err:
                    fails.append(f"{name} --{o['name']} {v!r}: exit {rc}, stderr {err.strip()[:300]!r}")
                checked += 1
        if any(o["required"] for o in opts):
            rc, out, err = run(prefix)
            lines = err.strip().splitlines()
            if rc != 2 or len(lines) != 1 or "missing --" not in err:
                fails.append(f"{name} without options: exit {rc}, stderr {err.strip()[:300]!r}")
for f in fails[:60]:
    print("FAIL:", f)
print(f"{checked} bad values checked, {len(fails)} failures")
sys.exit(1 if fails else 0)
PY
