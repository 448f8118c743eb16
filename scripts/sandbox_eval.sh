#!/usr/bin/env bash
# scripts/sandbox_eval.sh MODEL WORLD OUT [inner options...]
# The sandbox's quality figures (issue 5) for a model pretrained on WORLD:
#   closed-book QA on pretraining people (with and without QA documents),
#   held-out QA without adaptation, self-edit faithfulness, headroom (passage
#   + oracle restatement vs passage), the inner-loop gain of the model's own
#   self-edits, and the spread of rewards across its k self-edits.
# Extra arguments go to every `seal knowledge eval` (e.g. --inner-full --inner-lr 1e-3);
# without any, the sandbox's inner loop: LoRA on all seven projections
# (models/tiny-knowledge/README.md, "The sandbox's inner loop").
# Writes OUT/summary.md and the runs it is computed from.
set -euo pipefail
MODEL=$1 WORLD=$2 OUT=$3; shift 3
[ $# -gt 0 ] || set -- --inner-targets all-linear
SEAL=${SEAL:-build/seal}
N=${SANDBOX_PASSAGES:-60}
mkdir -p "$OUT"
common=(--answer-tokens 16 --max-edit-tokens 160 --workers 2 --quiet "$@")
acc() { /usr/bin/python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(' '.join('%s=%.3f[%.3f,%.3f]' % (c['name'], c['accuracy'], *c['ci95']) for c in r['conditions']))" "$1/results.json"; }
for g in qa noqa; do
  $SEAL sandbox probe --world "$WORLD" --out "$OUT/probe-$g.json" --n 200 --group $g
  $SEAL knowledge eval -m "$MODEL" --eval "$OUT/probe-$g.json" --run "$OUT/probe-$g" --conditions base "${common[@]}"
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
# Faithfulness across pretraining: every kept checkpoint, then the final model
# (30 held-out passages x 5 samples each), and closed-book QA (both groups) at
# every SANDBOX_QA_EVERY-th step (default 1000). SANDBOX_PRETRAIN_DIR: the
# pretraining run's directory (checkpoints/, pretrain_log.jsonl), default MODEL.
curve=$OUT/faithfulness-curve.md
PT=${SANDBOX_PRETRAIN_DIR:-$MODEL}
QA_EVERY=${SANDBOX_QA_EVERY:-1000}
probe_acc() { # model, group, step: closed-book accuracy in percent
  $SEAL knowledge eval -m "$1" --eval "$OUT/probe-$2.json" --run "$OUT/curve/$2-$3" --conditions base \
      "${common[@]}" >/dev/null
  /usr/bin/python3 -c "import json,sys; print('%.1f%%' % (100 * json.load(open(sys.argv[1]))['conditions'][0]['accuracy']))" \
      "$OUT/curve/$2-$3/results.json"
}
{
  echo "| step | held-out loss | lines correct | wrong value | unsupported | samples with >= 3 statements | QA (QA docs / none) |"
  echo "|---|---|---|---|---|---|---|"
  for ck in $(ls -d "$PT"/checkpoints/step-* 2>/dev/null | sort -V) "$MODEL"; do
    step=${ck##*step-}; [ "$ck" = "$MODEL" ] && step=final
    loss=$( (grep -h "\"eval_loss\"" "$PT/pretrain_log.jsonl" 2>/dev/null || true) | /usr/bin/python3 -c "
import json, sys
rows = [json.loads(l) for l in sys.stdin]
want = sys.argv[1]
r = [x for x in rows if str(x['step']) == want] or (rows[-1:] if want == 'final' else [])
print('%.3f' % r[0]['eval_loss'] if r else '-')" "$step")
    qa="-"
    if [ "$step" = final ] || [ $((step % QA_EVERY)) = 0 ]; then
      qa="$(probe_acc "$ck" qa "$step") / $(probe_acc "$ck" noqa "$step")"
    fi
    $SEAL sandbox faithfulness --world "$WORLD" --model "$ck" --passages "$WORLD/eval.json" --n 30 -k 5 | /usr/bin/python3 -c "
import json, sys
f = json.loads(sys.stdin.read())
print('| %s | %s | %.3f | %.3f | %.3f | %.3f | %s |' % (sys.argv[1], sys.argv[2], f['correct'], f['wrong_value'], f['unsupported'], f['samples_with_3_statements'], sys.argv[3]))" "$step" "$loss" "$qa"
  done
} >"$curve"
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
  echo
  echo "## During pretraining: faithfulness (30 held-out passages x 5 samples, temperature 1.0, top-p 0.95) and closed-book QA"
  echo
  cat "$curve"
} | tee "$OUT/summary.md"
