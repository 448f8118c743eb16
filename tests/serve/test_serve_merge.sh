#!/usr/bin/env bash
# POST /v1/adapt with "merge": true folds the new adapter into the served weights while serving goes on, and
# --adapt-memory refuses a job estimated to need more. The oracle for the merge: the same job (same passages,
# settings and seed: the same self-edits and the same adapter) run first without merging and served by name. After
# the merge the base model answers as that adapter did (same greedy text; log-probabilities equal up to the
# rounding of W + BA against Wx + B(Ax)), and before it as the plain model. A request decoding during the merge is
# answered (200); the merged job's name is not served; the adapter served by name stays.
. "$(dirname "$0")/../lib.sh"
. "$here/serve_lib.sh"
"$SEAL" world knowledge --seed 1 --out "$tmp/w" >/dev/null 2>&1 || fail "world"
start_server "$tmp/log" -m "$M" -t 1 --adapt-threads 1 --adapt-memory 40
S='{"seed":1,"self_edit_tokens":160,"targets":"all-linear"}'
metric() { curl -s "$base/metrics" | awk -v k="$1" '$1 == k {print $2}'; }

# The budget: a job far over 40 MB (64 long passages, rank 256, 1024-token self-edits) is refused with 400 naming the option; nothing is queued.
node -e 'const fs=require("fs"); const p=JSON.parse(fs.readFileSync(process.argv[1],"utf8"))[0];
const ctx=Array(10).fill(p.context).join(" ");
console.log(JSON.stringify({name:"huge",rank:256,self_edit_tokens:1024,passages:Array(64).fill({title:p.title,context:ctx})}))' \
    "$tmp/w/eval.json" >"$tmp/huge.json"
code=$(curl -s -o "$tmp/b" -w '%{http_code}' --data-binary @"$tmp/huge.json" "$base/v1/adapt"); b=$(cat "$tmp/b")
echo "    $(jget "$b" 'r.error.message')"
[ "$code" = 400 ] && [[ $b == *"--adapt-memory 40 MB"* ]] || fail "over the budget: $code $b"
[ "$(curl -s "$base/v1/adapt" | grep -c adapt-)" = 0 ] || fail "a refused job was queued"

q='{"prompt":"Let'"'"'s answer a question directly and concisely.\nQuestion: Topic: Lora Corard\nWhat is the profession of Lora Corard?\nAnswer:\n","max_tokens":8,"temperature":0,"logprobs":1'
ask() { post /v1/completions "$q,\"model\":\"$1\"}"; [ "$code" = 200 ] || fail "ask $1: $code $b"; }
ask tiny-knowledge; before=$b

# The oracle: the job served by name.
r=$(node "$here/adapt_client.mjs" "$base" "$tmp/w/eval.json" 0 4 a "$S") || fail "job a"
[ "$(jget "$r" 'r.status + ":" + r.merge + ":" + (r.memory_mb > 0 && r.memory_mb <= 40)')" = succeeded:false:true ] ||
    fail "job a: $r"
ask a; want=$b
[ "$(jget "$want" 'r.choices[0].text')" != "$(jget "$before" 'r.choices[0].text')" ] ||
    fail "the adapter answers as the base model: the test would prove nothing"

# The merge, with a long request decoding meanwhile.
curl -s -o "$tmp/long.json" -w '%{http_code}' \
     -d '{"prompt":"Mira Okafor was born in","max_tokens":1000,"ignore_eos":true,"n":8}' "$base/v1/completions" \
     >"$tmp/long.code" & longp=$!
r=$(node "$here/adapt_client.mjs" "$base" "$tmp/w/eval.json" 0 4 b "$(node -e 'console.log(JSON.stringify({...JSON.parse(process.argv[1]), merge: true}))' "$S")") ||
    fail "job b"
[ "$(jget "$r" 'r.status + ":" + r.merge + ":" + r.merged')" = succeeded:true:true ] || fail "job b: $r"
wait $longp; [ "$(cat "$tmp/long.code")" = 200 ] || fail "the request decoding during the merge: $(cat "$tmp/long.code")"
[ "$(metric seal_merges_total)" = 1 ] || fail "merges: $(curl -s "$base/metrics")"
[ "$(jget "$(curl -s "$base/v1/models")" 'r.data.map(m=>m.id).sort().join(",")')" = "a,tiny-knowledge" ] ||
    fail "models after the merge: $(curl -s "$base/v1/models")"

# The base model now answers as adapter a did.
ask tiny-knowledge; after=$b
node -e '
const a = JSON.parse(process.argv[1]).choices[0], w = JSON.parse(process.argv[2]).choices[0];
let bad = a.text !== w.text ? `text ${JSON.stringify(a.text)} vs ${JSON.stringify(w.text)}` : "";
a.logprobs.token_logprobs.forEach((v, k) => { if (Math.abs(v - w.logprobs.token_logprobs[k]) > 1e-3) bad += ` token ${k}: ${v} vs ${w.logprobs.token_logprobs[k]}`; });
if (bad) { console.log(bad); process.exit(1); }' "$after" "$want" || fail "the merged model does not answer as the adapter"
ask a   # the adapter served by name still answers (now over the merged weights)
stop_server
[ $fails -eq 0 ]
