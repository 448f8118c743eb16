# demo_lib.sh: what scripts/demo.sh and scripts/demo_arc.sh share (sourced; needs $SEAL).

# start_over_if_changed NAME RUN MODEL SCRIPT: a run left by another model (a
# retrained tiny model), another seal or other settings (another version of
# SCRIPT) is started over, since seal refuses to resume a run over other
# inputs; RUN.stamp records what made RUN.
start_over_if_changed() {
  local name=$1 run=$2 model=$3 script=$4
  local stamp
  stamp="model: $(cksum <"$model/model.safetensors"); script: $(cksum <"$script"); $($SEAL --version)"
  if [ -d "$run" ] && [ "$(cat "$run.stamp" 2>/dev/null)" != "$stamp" ]; then
    echo "$name: $run was made by another model or settings; starting it over"
    rm -rf "$run"
  fi
  echo "$stamp" >"$run.stamp"
}
