#!/usr/bin/env python3
"""Give a tokenizer directory a chat template.

  add_chat_template.py DIR/tokenizer_config.json
      the plain ChatML template (no default system prompt), the one
      models/tiny-knowledge ships so that `seal generate --chat` and
      `seal chat-template` work on it. That model was never trained on chat
      turns: the template is there for the commands, not for chat quality;
      every knowledge run uses plain prompts.
  add_chat_template.py DIR/tokenizer_config.json --world WORLD/world.json
      the ARC world's template (Llama 3.0 Instruct's, docs/world.md) and
      <|eot_id|> as EOS, as models/tiny-arc carries them: its pretraining
      text was written in that template, and `seal arc` renders TTT examples
      and answers with it."""
import json, sys

CHATML = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + "
          "'<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")

path = sys.argv[1]
config = json.load(open(path))
if len(sys.argv) == 4 and sys.argv[2] == "--world":
    world = json.load(open(sys.argv[3]))
    config["chat_template"] = world["chat_template"]
    config["eos_token"] = "<|eot_id|>"
elif len(sys.argv) == 2:
    config["chat_template"] = CHATML
else:
    sys.exit(__doc__)
with open(path, "w") as f:
    f.write(json.dumps(config, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
