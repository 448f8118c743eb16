#!/usr/bin/env bash
# Continuous batching and hang-ups in seal serve. (1) A short request sent while a long one decodes joins the running
# batch: it is answered while the long one still runs (static batching would make it wait for the whole batch), and
# both texts equal `seal generate`'s for the same prompt (mixing prefill and decode tokens of other sequences in one
# forward call changes no bit). (2) A client that hangs up, streamed or not, stops its samples: /metrics shows them
# cancelled and no sample left running, well before they could have finished.
. "$(dirname "$0")/../lib.sh"
. "$here/serve_lib.sh"
P="Mira Okafor was born in"; Q="Sami Morgan works as"
gen() { "$SEAL" generate -m "$M" -t 1 --json "$@" 2>/dev/null |
        node -e "process.stdout.write(JSON.parse(require('fs').readFileSync(0,'utf8')).samples[0].text)"; }
want_long=$(gen --prompt "$P" --max-new 900 --temperature 0 --ignore-eos)
want_short=$(gen --prompt "$Q" --max-new 12 --temperature 0)
start_server "$tmp/log" -m "$M" -t 1
metric() { curl -s "$base/metrics" | awk -v k="$1" '$1 == k {print $2}'; }

# (1) The long request (8 samples of 900 tokens: seconds on 2 cores) starts; the short one joins it.
curl -s -d "{\"prompt\":\"$P\",\"max_tokens\":900,\"temperature\":0,\"ignore_eos\":true,\"n\":8}" \
     "$base/v1/completions" >"$tmp/long.json" & longp=$!
for _ in $(seq 1 50); do [ "$(metric seal_samples_running)" = 8 ] && break; sleep 0.05; done
[ "$(metric seal_samples_running)" = 8 ] || fail "the long request is not running: $(curl -s "$base/metrics")"
post /v1/completions "{\"prompt\":\"$Q\",\"max_tokens\":12,\"temperature\":0}"
[ "$code" = 200 ] || fail "the short request: $code $b"
kill -0 $longp 2>/dev/null || fail "the long request ended before the short one was answered: no joining shown"
[ "$(jget "$b" 'r.choices[0].text')" = "$want_short" ] || fail "short: $(jget "$b" 'r.choices[0].text') != $want_short"
wait $longp
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")), want = process.argv[2];
if (r.choices.length !== 8 || r.choices.some(c => c.text !== want)) { console.log(JSON.stringify(r).slice(0, 400)); process.exit(1); }' \
    "$tmp/long.json" "$want_long" || fail "the long request's 8 samples are not seal generate's text"

# (2) Hang-ups: 16 samples of 1000 tokens each would take seconds; the client leaves after 0.6 s.
for stream in false true; do
  before=$(metric seal_samples_cancelled_total)
  curl -s --max-time 0.6 -o /dev/null \
       -d "{\"prompt\":\"$P\",\"max_tokens\":1000,\"ignore_eos\":true,\"n\":16,\"stream\":$stream}" "$base/v1/completions"
  for _ in $(seq 1 40); do [ $(( $(metric seal_samples_cancelled_total) - before )) = 16 ] && break; sleep 0.05; done
  [ $(( $(metric seal_samples_cancelled_total) - before )) = 16 ] ||
      fail "stream $stream: 2 s after the hang-up, $(( $(metric seal_samples_cancelled_total) - before )) samples cancelled, not 16"
  sleep 0.1  # a step ends (the gauge is updated after each)
  [ "$(metric seal_samples_running)" = 0 ] || fail "stream $stream: samples still running after the hang-up"
done
# The server goes on serving, exactly.
post /v1/completions "{\"prompt\":\"$Q\",\"max_tokens\":12,\"temperature\":0}"
[ "$code" = 200 ] && [ "$(jget "$b" 'r.choices[0].text')" = "$want_short" ] || fail "after the hang-ups: $code $b"
stop_server
[ $fails -eq 0 ]
