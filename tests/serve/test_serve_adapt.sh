#!/usr/bin/env bash
# POST /v1/adapt (seal's extension): passages of the sandbox world in, a job that the model's self-edits and the
# inner loop turn into an adapter, registered by name: the job succeeds, reports its self-edits, training loss and
# exact-match accuracy on the passages' questions before and after (after must be higher: measured, not assumed),
# the adapter is listed by /v1/models and answers by name. Serving goes on while a job runs; a queued job can be
# cancelled (its adapter never appears); bad bodies and a name already served are 400; unknown jobs 404.
. "$(dirname "$0")/../lib.sh"
. "$here/serve_lib.sh"
"$SEAL" world knowledge --seed 1 --out "$tmp/w" >/dev/null 2>&1 || fail "world"
start_server "$tmp/log" -m "$M" -t 1 --adapt-threads 1
S='{"seed":1,"self_edit_tokens":160,"targets":"all-linear"}'

# A long job (12 passages) runs in the background; meanwhile a completion is answered.
node "$here/adapt_client.mjs" "$base" "$tmp/w/eval.json" 8 12 big "$S" >"$tmp/big.json" & bigp=$!
for _ in $(seq 1 100); do  # until the client (node, slow to start on a loaded machine) has submitted it
  st=$(curl -s "$base/v1/adapt/adapt-1" | grep -o '"status":"[a-z]*"')
  case $st in *generating*|*training*|*evaluating*) break;; esac; sleep 0.1
done
post /v1/completions '{"prompt":"Mira Okafor was born in","max_tokens":4,"temperature":0}'
[ "$code" = 200 ] || fail "a completion while adapting: $code $b"
st=$(curl -s "$base/v1/adapt/adapt-1" | grep -o '"status":"[a-z]*"')
case $st in *generating*|*training*|*evaluating*) ;; *) fail "the big job is not running while serving: $st";; esac
# A second job waits behind it, and is cancelled while queued.
node -e 'const fs=require("fs");console.log(JSON.stringify({name:"never",passages:JSON.parse(fs.readFileSync(process.argv[1],"utf8")).slice(0,2)}))' \
    "$tmp/w/eval.json" >"$tmp/never.json"
post /v1/adapt "$(cat "$tmp/never.json")"; [ "$code" = 202 ] || fail "submit a second job: $code $b"
post /v1/adapt/adapt-2/cancel '{}'
[ "$code" = 200 ] && [[ $b == *'"status":"cancelled"'* ]] || fail "cancel a queued job: $code $b"
wait $bigp || fail "the big job's client"
[ "$(jget "$(cat "$tmp/big.json")" 'r.status')" = succeeded ] || fail "the big job: $(cat "$tmp/big.json")"

# A small job: 4 passages; the adapter must answer their questions better than the base model.
r=$(node "$here/adapt_client.mjs" "$base" "$tmp/w/eval.json" 0 4 w4 "$S") || fail "the adapt client"
echo "w4: $(jget "$r" 'r.eval')"
[ "$(jget "$r" 'r.status + ":" + r.self_edits.length + ":" + (r.train.steps > 0)')" = "succeeded:4:true" ] ||
    fail "the job: $r"
[ "$(jget "$r" 'r.eval.adapted_accuracy > r.eval.base_accuracy')" = true ] || fail "no gain: $(jget "$r" 'r.eval')"
models=$(curl -s "$base/v1/models")
[ "$(jget "$models" 'r.data.map(m=>m.id).sort().join(",")')" = "big,tiny-knowledge,w4" ] || fail "models: $models"
q='{"prompt":"Let'"'"'s answer a question directly and concisely.\nQuestion: Topic: Lora Corard\nWhat is the profession of Lora Corard?\nAnswer:\n","max_tokens":8,"temperature":0'
post /v1/completions "$q,\"model\":\"w4\"}"; a=$(jget "$b" 'r.choices[0].text'); [ "$code" = 200 ] || fail "w4: $code $b"
post /v1/completions "$q}"; a0=$(jget "$b" 'r.choices[0].text')
echo "base: ${a0@Q}  w4: ${a@Q}"
[ "$a" != "$a0" ] || fail "the adapter answers as the base model"

# Refusals.
post /v1/adapt '{"name":"w4","passages":[{"title":"x","context":"y"}]}'; [ "$code" = 400 ] || fail "a served name: $code"
post /v1/adapt '{"name":"x","passages":[]}'; [ "$code" = 400 ] || fail "no passages: $code"
post /v1/adapt '{"name":"x","passages":[{"title":"x"}]}'; [ "$code" = 400 ] || fail "no context: $code"
post /v1/adapt '{"name":"x","passages":[{"title":"x","context":"y"}],"epochs":0}'; [ "$code" = 400 ] || fail "epochs 0: $code"
post /v1/adapt '{"name":"x","passages":[{"title":"x","context":"y"}],"merge":1}'; [ "$code" = 400 ] || fail "merge 1: $code"
c=$(curl -s -o /dev/null -w '%{http_code}' "$base/v1/adapt/adapt-99"); [ "$c" = 404 ] || fail "unknown job: $c"
[[ "$(curl -s "$base/v1/models")" != *never* ]] || fail "the cancelled job's adapter is served"
stop_server
[ $fails -eq 0 ]
