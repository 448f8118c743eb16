#!/usr/bin/env bash
# The library's layering (docs/architecture.md): a file includes nothing from
# a layer above its own, and the objects of tok/ call each other without a
# cycle (shared helpers live in the leaf tok_util.c, not in tokenizer.c).
set -u
. "$(dirname "$0")/../lib.sh"
need_build
command -v nm >/dev/null || skip "nm not installed"
cd "$SEAL_ROOT" || exit 1
/usr/bin/python3 - "$BUILD" <<'PY'
import collections, glob, os, re, subprocess, sys
build = sys.argv[1]
layers = "util io rt kern tok arc model gen train sandbox seal serve cli".split()
rank = {name: i for i, name in enumerate(layers)}
bad = []
for path in sorted(glob.glob("src/*/*.[ch]")):
    own = path.split("/")[1]
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        m = re.match(r'\s*#\s*include\s+"([a-z]+)/', line)
        if m and m.group(1) in rank and rank[m.group(1)] > rank[own]:
            bad.append(f"{path}:{n}: {own} includes {m.group(1)}/ (a higher layer)")

def calls(objs):
    """Edges a -> b where object a uses a symbol that object b defines."""
    defs, undef = {}, collections.defaultdict(set)
    for o in objs:
        for line in subprocess.run(["nm", o], capture_output=True, text=True, check=True).stdout.splitlines():
            f = line.split()
            if len(f) == 3 and f[1] in "TDBRCW": defs[f[2]] = o
            elif len(f) == 2 and f[0] == "U": undef[o].add(f[1])
    return {o: {defs[s] for s in undef[o] if defs.get(s, o) != o} for o in objs}

def cycle(edges):
    """One cycle of the graph as a list of nodes, or None."""
    state, stack = {}, []
    def visit(v):
        state[v] = 1; stack.append(v)
        for w in sorted(edges[v]):
            if state.get(w) == 1: return stack[stack.index(w):] + [w]
            if w not in state and (c := visit(w)): return c
        state[v] = 2; stack.pop()
        return None
    for v in sorted(edges):
        if v not in state and (c := visit(v)): return c
    return None

objs = sorted(glob.glob(f"{build}/src/tok/*.o"))
if not objs: bad.append(f"no objects in {build}/src/tok")
c = cycle(calls(objs))
if c: bad.append("tok/ objects call each other in a cycle: " + " -> ".join(os.path.basename(o) for o in c))
for b in bad: print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
