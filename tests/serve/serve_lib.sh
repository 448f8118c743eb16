# tests/serve/serve_lib.sh: sourced by the serve tests after tests/lib.sh (not a test itself): skips without the
# CLI, node or curl, makes $tmp, and sets $M, the shipped tiny model.
need_seal; need_node
command -v curl >/dev/null || skip "curl not installed"
use_tmp
M=$SEAL_ROOT/models/tiny-knowledge

# start_server LOG ARGS...: start `seal serve` on a free loopback port with ARGS, set $port, $srv_pid and
# $base (http://127.0.0.1:PORT), and stop it at exit. Needs $tmp (use_tmp) and $SEAL.
start_server() {
  local log=$1; shift
  rm -f "$tmp/port"
  "$SEAL" serve --port 0 --port-file "$tmp/port" "$@" 2>"$log" &
  srv_pid=$!
  trap 'kill $srv_pid 2>/dev/null; wait $srv_pid 2>/dev/null; rm -rf "$tmp"' EXIT
  for _ in $(seq 1 100); do [ -s "$tmp/port" ] && break; kill -0 $srv_pid 2>/dev/null || break; sleep 0.1; done
  [ -s "$tmp/port" ] || { cat "$log"; echo "FAIL: seal serve did not start"; exit 1; }
  port=$(cat "$tmp/port"); base="http://127.0.0.1:$port"
}
# stop_server: SIGTERM, and the exit status must be 0.
stop_server() {
  kill -TERM $srv_pid; wait $srv_pid; local rc=$?
  [ $rc -eq 0 ] || fail "seal serve exited $rc after SIGTERM"
}
# post PATH JSON [CURL ARGS...]: POST JSON; $code gets the HTTP status and $b the body (no subshell, so call it
# as a plain command).
post() {
  local path=$1 json=$2; shift 2
  code=$(curl -s -o "$tmp/.body" -w '%{http_code}' -H 'Content-Type: application/json' \
              ${key:+-H "Authorization: Bearer $key"} "$@" --data-binary "$json" "$base$path")
  b=$(cat "$tmp/.body")
}
# jget JSON EXPR: a field with node (EXPR sees the object as r).
jget() { node -e "const r=JSON.parse(require('fs').readFileSync(0,'utf8')); const v=($2); process.stdout.write(typeof v==='string'?v:JSON.stringify(v))" <<<"$1"; }
