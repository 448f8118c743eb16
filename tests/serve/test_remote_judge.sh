#!/usr/bin/env bash
# The remote judge (--grader judge --judge-url): pointed at `seal serve` of the same model as the in-process
# --judge-model DIR, every verdict is the same; the run records judge_model and judge_api; every verdict is cached
# in the run directory, so a run whose journal is lost asks the server nothing again, and a run killed mid-way
# then resumed asks each prompt once (requests counted by the server). The key comes from --judge-key-env. A
# judge that answers garbage, refuses the key, or cannot be reached ends the run with a clear error; a judge that
# says "Yes." to everything makes every non-empty answer correct (a verdict reaches the results), over the chat
# API of a base URL too.
. "$(dirname "$0")/../lib.sh"
. "$here/serve_lib.sh"
"$SEAL" world knowledge --seed 1 --out "$tmp/w" >/dev/null 2>&1 || fail "world"
run() { # RUN_DIR [args]: knowledge eval on 2 passages, judged
  local d=$1; shift
  "$SEAL" knowledge eval -m "$M" --eval "$tmp/w/eval.json" --run "$d" --eval-passages 2 -k 1 --inner-epochs 1 \
      --conditions base,passage --grader judge --quiet -t 1 "$@"
}
verdicts() { cat "$1/baseline.jsonl" "$1/inner.jsonl" | grep -o '"key":"[^"]*"\|"correct":\[[^]]*\]' | paste - - | sort; }
stop_count() { # LOG: stop the server; $count gets how many requests it answered (no subshell: wait needs it)
  stop_server
  count=$(sed -n 's/.* after \([0-9]*\) requests.*/\1/p' "$1")
}

run "$tmp/local" --judge-model "$M" >/dev/null 2>&1 || fail "the in-process judge run"

export JUDGE_KEY=k-$$
start_server "$tmp/log1" -m "$M" -t 1 --api-key "$JUDGE_KEY"
url=$base/v1/completions
run "$tmp/remote" --judge-model tiny-knowledge --judge-url "$url" --judge-key-env JUDGE_KEY >/dev/null 2>"$tmp/err" ||
    fail "the remote judge run: $(tail -2 "$tmp/err")"
[ "$(verdicts "$tmp/remote")" = "$(verdicts "$tmp/local")" ] || fail "remote verdicts differ from the in-process judge's"
[ -n "$(verdicts "$tmp/local")" ] || fail "no verdicts compared"
grep -q '"judge_api": "completions"' "$tmp/remote/config.json" || fail "judge_api not recorded"
grep -q '"judge_model": "tiny-knowledge"' "$tmp/remote/config.json" || fail "judge_model not recorded"
# a wrong key: refused, and the run says so
run "$tmp/badkey" --judge-model tiny-knowledge --judge-url "$url" --judge-key-env NO_SUCH_VAR >/dev/null 2>"$tmp/err" &&
    fail "a run without the key succeeded"
grep -q "refused the request: HTTP 401" "$tmp/err" || fail "401 not named: $(cat "$tmp/err")"
stop_count "$tmp/log1"; n1=$count
asked=$(wc -l <"$tmp/remote/judge_cache.jsonl")
[ "$n1" = $((asked + 1)) ] || fail "the server answered $n1 requests for $asked distinct prompts (+1 refused)"

# The journal lost (as if killed before writing it): the rerun asks the server nothing.
start_server "$tmp/log2" -m "$M" -t 1 --api-key "$JUDGE_KEY"
rm "$tmp/remote/baseline.jsonl" "$tmp/remote/inner.jsonl"
run "$tmp/remote" --judge-model tiny-knowledge --judge-url "$base/v1/completions" --judge-key-env JUDGE_KEY >/dev/null 2>"$tmp/err" ||
    fail "the rerun"
[ "$(verdicts "$tmp/remote")" = "$(verdicts "$tmp/local")" ] || fail "rerun verdicts differ"
grep -q ": 0 requests" "$tmp/err" || fail "the rerun asked again: $(cat "$tmp/err")"
# Killed mid-way, then resumed: each prompt asked once (one more if the kill fell between a reply and its cache
# line, which no client can avoid).
# (exec: $! must be seal itself, not a subshell that a kill would leave its child running)
(exec "$SEAL" knowledge eval -m "$M" --eval "$tmp/w/eval.json" --run "$tmp/killed" --eval-passages 2 -k 1 \
    --inner-epochs 1 --conditions base,passage --grader judge --quiet -t 1 --judge-model tiny-knowledge \
    --judge-url "$base/v1/completions" --judge-key-env JUDGE_KEY) >/dev/null 2>"$tmp/err1" & kp=$!
for _ in $(seq 1 200); do [ "$(wc -l 2>/dev/null <"$tmp/killed/judge_cache.jsonl" || echo 0)" -ge 3 ] && break; sleep 0.02; done
kill -9 $kp 2>/dev/null; wait $kp 2>/dev/null
echo "killed after $(wc -l 2>/dev/null <"$tmp/killed/judge_cache.jsonl" || echo 0) verdicts"
run "$tmp/killed" --judge-model tiny-knowledge --judge-url "$base/v1/completions" --judge-key-env JUDGE_KEY >/dev/null 2>"$tmp/err2" ||
    fail "resume the killed run"
[ "$(verdicts "$tmp/killed")" = "$(verdicts "$tmp/local")" ] || { fail "resumed verdicts differ"; cat "$tmp/err1" "$tmp/err2"; diff <(verdicts "$tmp/killed") <(verdicts "$tmp/local"); }
stop_count "$tmp/log2"; n2=$count
[ "$n2" -ge "$asked" ] && [ "$n2" -le $((asked + 1)) ] || fail "killed + resumed: $n2 requests for $asked prompts"

# Garbage, and a judge that cannot be reached: the run ends with a clear error.
node "$here/fake_judge.mjs" "$tmp/gport" garbage & gp=$!
for _ in $(seq 1 50); do [ -s "$tmp/gport" ] && break; sleep 0.1; done
run "$tmp/garbage" --judge-model x --judge-url "http://127.0.0.1:$(cat "$tmp/gport")/v1/completions" >/dev/null 2>"$tmp/err" &&
    fail "a garbage judge did not stop the run"
grep -q "not an OpenAI completion response" "$tmp/err" || fail "garbage not named: $(cat "$tmp/err")"
kill $gp
run "$tmp/down" --judge-model x --judge-url "http://127.0.0.1:1/v1" --judge-retries 2 >/dev/null 2>"$tmp/err" &&
    fail "an unreachable judge did not stop the run"
grep -q "failed 3 times" "$tmp/err" || fail "retries not named: $(cat "$tmp/err")"

# A judge that says "Yes." to everything, over chat completions (a base URL): every non-empty answer is correct.
node "$here/fake_judge.mjs" "$tmp/yport" yes & yp=$!
for _ in $(seq 1 50); do [ -s "$tmp/yport" ] && break; sleep 0.1; done
run "$tmp/yes" --judge-model gpt-4.1 --judge-url "http://127.0.0.1:$(cat "$tmp/yport")/v1" >/dev/null 2>"$tmp/err" ||
    fail "the yes-judge run: $(tail -2 "$tmp/err")"
kill $yp
grep -q '"judge_api": "chat"' "$tmp/yes/config.json" || fail "a base URL is not the chat API"
node -e '
const fs = require("fs"); let bad = 0, n = 0;
for (const f of ["baseline.jsonl", "inner.jsonl"])
  for (const l of fs.readFileSync(process.argv[1] + "/" + f, "utf8").split("\n").filter(Boolean)) {
    const r = JSON.parse(l);
    r.answers.forEach((a, i) => { n++; if (r.correct[i] !== (a.trim() !== "")) bad++; });
  }
if (bad || !n) { console.log(`${bad} of ${n} verdicts are not "non-empty answer"`); process.exit(1); }' "$tmp/yes" ||
    fail "yes-judge verdicts"
[ $fails -eq 0 ]
