// chat_oracle.mjs TOKENIZER_CONFIG CONVERSATIONS.json: render each conversation
// with the template in tokenizer_config.json through @huggingface/jinja (the
// engine transformers.js uses), as transformers' apply_chat_template does:
// bos_token/eos_token from the config, add_generation_prompt per case,
// strftime_now (built into the engine) for Llama 3.1+. Prints one JSON string per line.
import { Template } from "@huggingface/jinja";
import { readFileSync } from "node:fs";
const [cfgPath, convPath] = process.argv.slice(2);
const cfg = JSON.parse(readFileSync(cfgPath, "utf8"));
const tok = (t) => (t && typeof t === "object" ? t.content : t) ?? "";
const template = new Template(cfg.chat_template);
for (const c of JSON.parse(readFileSync(convPath, "utf8"))) {
  const text = template.render({ messages: c.messages, add_generation_prompt: c.add_generation_prompt,
                                 bos_token: tok(cfg.bos_token), eos_token: tok(cfg.eos_token) });
  console.log(JSON.stringify(text));
}
