#!/usr/bin/env bash
# seal serve with real HTTP clients (curl and node's fetch) on a loopback port, against `seal generate` as the
# oracle: greedy and seeded sampled completions (and chat through the template) equal `seal generate`'s text for
# the same prompt and settings; streamed deltas reassembled equal the non-streamed text; an adapter selected by
# name changes the output exactly as `seal generate --adapter`; logprobs equal `seal score`'s; adapters load and
# unload at run time with vLLM's bodies; the API key is required when set; a full queue answers 429 and every
# request gets 200 or 429.
. "$(dirname "$0")/../lib.sh"
. "$here/serve_lib.sh"
P="Mira Okafor was born in"

# An adapter that visibly changes the completion of $P.
for i in 1 2 3 4; do echo '{"text": "Mira Okafor was born in Zelbrook. Mira Okafor works as a glassblower."}'; done >"$tmp/rows.jsonl"
"$SEAL" train -m "$M" --data "$tmp/rows.jsonl" --out "$tmp/ad" --lr 3e-2 --epochs 5 --lora-targets all -t 1 \
    >/dev/null 2>&1 || fail "train the adapter"
gen() { "$SEAL" generate -m "$M" -t 1 --json "$@" 2>/dev/null; }
texts() { node -e "const r=JSON.parse(require('fs').readFileSync(0,'utf8'));console.log(JSON.stringify(r.samples.map(s=>s.text)))"; }
want_greedy=$(gen --prompt "$P" --max-new 24 --temperature 0 | texts)
want_ad=$(gen --prompt "$P" --max-new 24 --temperature 0 --adapter "$tmp/ad" | texts)
want_chat=$(gen --prompt "Where was Mira Okafor born?" --chat --max-new 24 --temperature 0 | texts)
want_seeded=$(gen --prompt "$P" --max-new 24 --temperature 0.8 --top-p 0.9 --seed 5 --samples 3 | texts)
want_stop=$(gen --prompt "$P" --max-new 24 --temperature 0 --stop " is" | texts)
[ "$want_greedy" != "$want_ad" ] || fail "the adapter does not change the greedy output: the test proves nothing"

key=sekrit-key-1
start_server "$tmp/log" -m "$M" --lora ad1="$tmp/ad" --allow-runtime-lora --api-key "$key" -t 1 --max-queue 2

# Models: the base and the adapter, with the adapter's parent.
models=$(curl -s -H "Authorization: Bearer $key" "$base/v1/models")
[ "$(jget "$models" 'r.data.map(m=>m.id+":"+m.parent).join(",")')" = "tiny-knowledge:null,ad1:tiny-knowledge" ] ||
    fail "/v1/models: $models"

# The key: none or a wrong one is 401 with an OpenAI error body; /health needs none.
c=$(curl -s -o "$tmp/b" -w '%{http_code}' "$base/v1/models"); [ "$c" = 401 ] || fail "no key: $c"
c=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer sekrit-key-2" "$base/v1/models")
[ "$c" = 401 ] || fail "wrong key: $c"
[ "$(jget "$(cat "$tmp/b")" 'r.error.type')" = authentication_error ] || fail "401 body: $(cat "$tmp/b")"
c=$(curl -s -o /dev/null -w '%{http_code}' "$base/health"); [ "$c" = 200 ] || fail "/health: $c"

# check NAME PATH BODY WANT: non-streamed and streamed (node fetch) both equal WANT (a JSON array of texts).
check() {
  local r; r=$(KEY=$key node "$here/client.mjs" "$base" "$2" "$3") || { fail "$1: client exit $?"; return; }
  [ "$(jget "$r" 'r.text')" = "$4" ] || fail "$1: $(jget "$r" 'r.text') != seal generate's $4"
  [ "$(jget "$r" 'r.streamed')" = "$4" ] || fail "$1: streamed $(jget "$r" 'r.streamed') != $4"
  [ "$(jget "$r" 'r.finish')" = "$(jget "$r" 'r.stream_finish')" ] || fail "$1: finish reasons differ: $r"
}
check greedy /v1/completions "{\"model\":\"tiny-knowledge\",\"prompt\":\"$P\",\"max_tokens\":24,\"temperature\":0}" "$want_greedy"
check adapter /v1/completions "{\"model\":\"ad1\",\"prompt\":\"$P\",\"max_tokens\":24,\"temperature\":0}" "$want_ad"
check chat /v1/chat/completions \
    '{"model":"tiny-knowledge","messages":[{"role":"user","content":"Where was Mira Okafor born?"}],"max_tokens":24,"temperature":0}' \
    "$want_chat"
check seeded /v1/completions \
    "{\"model\":\"tiny-knowledge\",\"prompt\":\"$P\",\"max_tokens\":24,\"temperature\":0.8,\"top_p\":0.9,\"seed\":5,\"n\":3}" \
    "$want_seeded"
check stop /v1/completions "{\"prompt\":\"$P\",\"max_tokens\":24,\"temperature\":0,\"stop\":[\" is\"]}" "$want_stop"

# curl: the usage and the finish reason of a length-limited greedy completion.
post /v1/completions "{\"prompt\":\"$P\",\"max_tokens\":5,\"temperature\":0}"
[ "$code" = 200 ] && [ "$(jget "$b" 'r.usage.completion_tokens+":"+r.choices[0].finish_reason')" = "5:length" ] ||
    fail "max_tokens 5: $code $b"

# logprobs: each generated token's log-probability equals `seal score`'s for prompt + completion ids (with and
# without the adapter), and the greedy token heads its top alternatives.
prompt_ids=$(printf '%s' "$P" | "$SEAL" tokenize -m "$M")
for model in tiny-knowledge ad1; do
  post /v1/completions "{\"model\":\"$model\",\"prompt\":\"$P\",\"max_tokens\":12,\"temperature\":0,\"logprobs\":3}"
  [ "$code" = 200 ] || { fail "logprobs $model: $code $b"; continue; }
  adapter=(); [ $model = ad1 ] && adapter=(--adapter "$tmp/ad")
  gen_ids=$(gen --prompt "$P" --max-new 12 --temperature 0 "${adapter[@]}" | jget "$(cat)" 'r.samples[0].ids.join(" ")')
  score=$("$SEAL" score -m "$M" --ids "$prompt_ids $gen_ids" "${adapter[@]}" --json -t 1)
  node -e '
const r = JSON.parse(process.argv[1]), sc = JSON.parse(process.argv[2]), lp = r.choices[0].logprobs;
const want = sc.logprobs.slice(-lp.token_logprobs.length);
let bad = lp.token_logprobs.length !== 12 ? "count " + lp.token_logprobs.length : "";
lp.token_logprobs.forEach((v, k) => {
  if (Math.abs(v - want[k]) > 1e-5) bad += ` token ${k}: ${v} vs seal score ${want[k]}`;
  const alts = Object.entries(lp.top_logprobs[k]);
  if (alts.length !== 3 || alts[0][1] !== v || alts.some((a, q) => q && a[1] > alts[q - 1][1])) bad += ` top ${k}: ${JSON.stringify(alts)}`;
});
if (lp.tokens.join("") !== r.choices[0].text) bad += " tokens do not spell the text";
if (bad) { console.log(bad); process.exit(1); }' "$b" "$score" || fail "logprobs $model"
done
post /v1/chat/completions '{"messages":[{"role":"user","content":"hi"}],"max_tokens":3,"temperature":0,"logprobs":true,"top_logprobs":2}'
[ "$code" = 200 ] && [ "$(jget "$b" 'r.choices[0].logprobs.content.length + ":" + r.choices[0].logprobs.content[0].top_logprobs.length')" = 3:2 ] ||
    fail "chat logprobs: $code $b"

# Runtime adapters: load under a new name (same output as --adapter), unload, then the name is unknown (404).
post /v1/load_lora_adapter "{\"lora_name\":\"ad2\",\"lora_path\":\"$tmp/ad\"}"
[ "$code" = 200 ] || fail "load_lora_adapter: $code $b"
post /v1/load_lora_adapter "{\"lora_name\":\"ad2\",\"lora_path\":\"$tmp/ad\"}"
[ "$code" = 400 ] || fail "loading ad2 twice: $code $b"
check loaded /v1/completions "{\"model\":\"ad2\",\"prompt\":\"$P\",\"max_tokens\":24,\"temperature\":0}" "$want_ad"
post /v1/unload_lora_adapter '{"lora_name":"ad2"}'; [ "$code" = 200 ] || fail "unload: $code $b"
post /v1/unload_lora_adapter '{"lora_name":"ad2"}'; [ "$code" = 404 ] || fail "unload twice: $code $b"
post /v1/completions "{\"model\":\"ad2\",\"prompt\":\"$P\",\"max_tokens\":4}"
[ "$code" = 404 ] && [ "$(jget "$b" 'r.error.code')" = 404 ] || fail "unloaded model: $code $b"
post /v1/load_lora_adapter "{\"lora_name\":\"bad\",\"lora_path\":\"$tmp/nowhere\"}"
[ "$code" = 400 ] || fail "load a missing adapter: $code $b"

stop_server

# A queue of 2 on a server that decodes one request at a time, each step slowed to 20 ms by a test hook (so that
# the queue fills on any machine, however fast): 24 simultaneous requests each get 200 or 429, and at least one
# 429 (the batch under way takes the first; two wait; the rest are refused).
SEAL_TEST_SERVE_STEP_MS=20 start_server "$tmp/log2" -m "$M" --api-key "$key" -t 1 --max-batch 1 --max-n 1 --max-queue 2
for i in $(seq 1 24); do
  curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $key" \
       -d "{\"prompt\":\"$P\",\"max_tokens\":50,\"temperature\":0,\"ignore_eos\":true,\"seed\":$i}" \
       "$base/v1/completions" >>"$tmp/codes" &
done
wait $(jobs -p | grep -v "^$srv_pid$") 2>/dev/null
sort "$tmp/codes" | uniq -c | sed 's/^/    /'
[ "$(grep -cvE '^(200|429)$' "$tmp/codes")" = 0 ] || fail "a code other than 200 or 429 under load"
grep -q 429 "$tmp/codes" || fail "no 429 with a queue of 2 and 24 clients"
grep -q 200 "$tmp/codes" || fail "no request served under load"

stop_server
[ $fails -eq 0 ]
