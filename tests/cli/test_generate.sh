#!/usr/bin/env bash
# seal generate through the CLI with a real tokenizer (one trained here with
# `seal tokenizer train`): streamed text equals the JSON text, stop strings cut
# the text and report "stop", K samples equal K single runs with seeds S+i,
# score --text equals score --ids of the same tokens, ids past the tokenizer's
# (a model with more rows) add no text, and clear errors for a missing tokenizer
# or chat template.
set -u
. "$(dirname "$0")/../lib.sh"
need_seal
py=/usr/bin/python3
use_tmp
$py - "$tmp/corpus.txt" <<'PY'
import random, sys
random.seed(5)
words = "the cat sat on a mat and dog ran far away from home while birds sang in trees under blue sky".split()
with open(sys.argv[1], "w") as f:
    for i in range(3000):
        f.write(" ".join(random.choice(words) for _ in range(random.randint(5, 15))) + ".\n")
PY
"$SEAL" tokenizer train --data "$tmp/corpus.txt" --vocab-size 300 --out "$tmp/tok" --quiet >/dev/null 2>&1 || fail "tokenizer train"
"$SEAL" synth --shape micro --dtype f32 --std 0.3 --tokenizer "$tmp/tok" --out "$tmp/m" || fail "synth --tokenizer"

gen() { "$SEAL" generate -m "$tmp/m" --prompt "the cat sat" -n 24 --ignore-eos "$@"; }
gen --seed 7 --json >"$tmp/a.json" || fail "generate --json"
gen --seed 7 >"$tmp/a.txt" 2>/dev/null || fail "generate (streaming)"
$py - "$tmp" <<'PY' || fail "streamed text differs from the JSON text"
import json, sys
t = sys.argv[1]
s = json.load(open(t + "/a.json"))["samples"][0]
streamed = open(t + "/a.txt", encoding="utf-8").read()
assert streamed == s["text"] + "\n", (streamed, s["text"])
assert s["finish_reason"] == "length" and len(s["ids"]) == 24, s
PY
# a stop string taken from the middle of the unconstrained text
stop=$($py -c "import json,sys; t=json.load(open('$tmp/a.json'))['samples'][0]['text']; w=[x for x in t.split(' ') if len(x)>=3]; print(w[len(w)//2] if w else t[4:7])")
gen --seed 7 --stop "$stop" --json >"$tmp/b.json" || fail "generate --stop"
$py - "$tmp" "$stop" <<'PY' || fail "stop string"
import json, sys
t, stop = sys.argv[1], sys.argv[2]
a = json.load(open(t + "/a.json"))["samples"][0]
b = json.load(open(t + "/b.json"))["samples"][0]
cut = a["text"].find(stop)
assert cut >= 0, "stop string not in the text"
assert b["finish_reason"] == "stop", b
assert b["text"] == a["text"][:cut], (b["text"], a["text"][:cut])
assert a["ids"][:len(b["ids"])] == b["ids"], "ids diverge before the stop"
PY
# K samples in one batch == K single runs
gen --seed 100 --samples 3 --temperature 1.0 --top-p 0.9 --json >"$tmp/k.json" || fail "--samples 3"
for i in 0 1 2; do gen --seed $((100 + i)) --temperature 1.0 --top-p 0.9 --json >"$tmp/k$i.json" || fail "single $i"; done
$py - "$tmp" <<'PY' || fail "batched samples differ from single runs"
import json, sys
t = sys.argv[1]
k = json.load(open(t + "/k.json"))["samples"]
assert len(k) == 3
for i in range(3):
    one = json.load(open(t + "/k%d.json" % i))["samples"][0]
    assert k[i]["ids"] == one["ids"] and k[i]["text"] == one["text"], i
assert k[0]["ids"] != k[1]["ids"] or k[1]["ids"] != k[2]["ids"], "all samples identical"
PY
# score --text == score --ids of the tokenization; tokenize/detokenize round trip
ids=$(printf 'the dog ran home.' | "$SEAL" tokenize -m "$tmp/m") || fail tokenize
[ "$(echo "$ids" | "$SEAL" detokenize -m "$tmp/m")" = "the dog ran home." ] || fail "detokenize round trip"
a=$("$SEAL" score -m "$tmp/m" --text "the dog ran home." --json) || fail "score --text"
b=$("$SEAL" score -m "$tmp/m" --ids "$ids" --json) || fail "score --ids"
[ "$a" = "$b" ] || fail "score --text differs from score --ids: $a vs $b"
# a model with more rows than its tokenizer has ids (Qwen2.5: 151,936 for 151,665): sampled ids past the
# tokenizer add no text, as HF's decode skips them, and the text is that of the ids the tokenizer knows
"$SEAL" synth --shape micro --dtype f32 --std 0.3 --out "$tmp/wide" >/dev/null && cp "$tmp/tok"/tokenizer*.json "$tmp/wide/"
"$SEAL" generate -m "$tmp/wide" --prompt "the cat sat" -n 200 --ignore-eos --seed 3 --json >"$tmp/w.json" 2>"$tmp/err" ||
  fail "generate with ids past the tokenizer: $(cat "$tmp/err")"
$py - "$tmp/w.json" >"$tmp/w.ids" <<'PY' || fail "no id past the tokenizer's 300 was sampled"
import json, sys
s = json.load(open(sys.argv[1]))["samples"][0]
assert len(s["ids"]) == 200 and any(i >= 300 for i in s["ids"]), s["ids"]
print(" ".join(str(i) for i in s["ids"] if i < 300))
PY
[ "$(tr -d '\n' <"$tmp/w.ids" | "$SEAL" detokenize -m "$tmp/m")" = "$($py -c "import json; print(json.load(open('$tmp/w.json'))['samples'][0]['text'])")" ] ||
  fail "text of a wide model's sample differs from the text of its known ids"
# errors
"$SEAL" generate -m "$tmp/m" --prompt "hi" --chat 2>"$tmp/err" >/dev/null; rc=$?
{ [ $rc -eq 1 ] && grep -q "chat_template" "$tmp/err"; } || fail "--chat without a template: rc $rc $(cat "$tmp/err")"
"$SEAL" synth --shape micro --out "$tmp/notok" >/dev/null
"$SEAL" generate -m "$tmp/notok" --prompt "hi" 2>"$tmp/err" >/dev/null; rc=$?
{ [ $rc -eq 1 ] && grep -q "tokenizer.json" "$tmp/err"; } || fail "--prompt without a tokenizer: rc $rc $(cat "$tmp/err")"
"$SEAL" generate -m "$tmp/notok" --prompt-ids "1 2" -n 3 --json >/dev/null || fail "--prompt-ids without a tokenizer"
"$SEAL" generate -m "$tmp/m" --prompt "hi" --top-p 1.5 2>"$tmp/err" >/dev/null; rc=$?
{ [ $rc -eq 2 ] && grep -q "top-p" "$tmp/err"; } || fail "bad --top-p: rc $rc $(cat "$tmp/err")"
[ $fails -eq 0 ]
