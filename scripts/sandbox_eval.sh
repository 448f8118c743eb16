#!/usr/bin/env bash
# scripts/sandbox_eval.sh MODEL WORLD OUT [inner options...]
# The sandbox's quality figures (issue 5) for a model pretrained on WORLD:
#   closed-book QA on pretraining people (with and without QA documents),
#   held-out QA without adaptation, self-edit faithfulness, headroom (passage
#   + oracle restatement vs passage), the inner-loop gain of the model's own
#   self-edits, and the spread of rewards across its k self-edits.
# Extra arguments go to every `seal knowledge eval` (e.g. --inner-full --inner-lr 1e-3).
# Writes OUT/summary.md and the runs it is computed from.
set -euo pipefail
MODEL=$1 WORLD=$2 OUT=$3; shift 3
SEAL=${SEAL:-build/seal}
N=${SANDBOX_PASSAGES:-60}
mkdir -p "$OUT"
common=(--answer-tokens 16 --max-edit-tokens 160 --workers 2 --quiet "$@")
acc() { /usr/bin/python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(' '.join('%s=%.3f[%.3f,%.3f]' % (c['name'], c['accuracy'], *c['ci95']) for c in r['conditions']))" "$1/results.json"; }
for g in qa noqa; do
  $SEAL sandbox probe --world "$WORLD" --out "$OUT/probe-$g.json" --n 200 --group $g
  $SEAL knowledge eval -m "$MODEL" --eval "$OUT/probe-$g.json" --run "$OUT/probe-$g" --conditions base --eval-passages 200 "${common[@]}"
done
$SEAL sandbox oracle --world "$WORLD" --passages "$WORLD/eval.json" --out "$OUT/oracle.json"
$SEAL knowledge eval -m "$MODEL" --eval "$WORLD/eval.json" --run "$OUT/heldout" --eval-passages "$N" -k 5 \
    --given-self-edits "$OUT/oracle.json" --given-name passage+oracle "${common[@]}"
faith=$($SEAL sandbox faithfulness --world "$WORLD" --run "$OUT/heldout" --tag eval0)
spread=$(/usr/bin/python3 - "$OUT/heldout/inner.jsonl" <<'PY'
import json, sys, collections
acc = collections.defaultdict(dict)
for l in open(sys.argv[1]):
    r = json.loads(l)
    k = r["key"].split("/")
    if k[0] == "eval0": acc[k[1]][k[2]] = r["accuracy"]
gaps = [max(v.values()) - sum(v.values()) / len(v) for v in acc.values() if v]
print("%.3f over %d passages" % (sum(gaps) / len(gaps), len(gaps)))
PY
)
{
  echo "# Sandbox evaluation of $MODEL"
  echo
  echo "- closed-book QA, pretraining people with QA documents: $(acc "$OUT/probe-qa")"
  echo "- closed-book QA, pretraining people without QA documents: $(acc "$OUT/probe-noqa")"
  echo "- held-out passages ($N): $(acc "$OUT/heldout")"
  echo "- self-edit faithfulness (k=5, temperature 1.0, top-p 0.95): $faith"
  echo "- mean (best - mean) accuracy over the k=5 self-edits of a passage: $spread"
  echo "- inner-loop options: ${*:-defaults}"
  echo
  cat "$OUT/heldout/results.md"
} | tee "$OUT/summary.md"
