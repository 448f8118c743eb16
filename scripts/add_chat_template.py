#!/usr/bin/env python3
"""Give a tokenizer directory the plain ChatML chat template (no default
system prompt), the one models/tiny-knowledge ships so that `seal generate
--chat` and `seal chat-template` work on it. The model was never trained on
chat turns: the template is there for the commands, not for chat quality.
Tokenization and every knowledge run are unaffected (seal's knowledge loops
use plain prompts, not the chat template).
usage: add_chat_template.py DIR/tokenizer_config.json"""
import json, sys

CHATML = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + "
          "'<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")

path = sys.argv[1]
config = json.load(open(path))
config["chat_template"] = CHATML
with open(path, "w") as f:
    f.write(json.dumps(config, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
