// oracle.mjs: the reference side of seal's tokenizer tests, using the pure-JS
// @huggingface/tokenizers port of HF tokenizers.
//   node oracle.mjs encode DIR < strings.jsonl > ids.jsonl   one JSON array of ids per input line
//   node oracle.mjs all DIR strings.jsonl PREFIX   one load: PREFIX.ids, PREFIX.dec, PREFIX.decskip
//                                                    (the ids, and their decodes without/with skip-special)
//   node oracle.mjs decode DIR [--skip-special] < ids.jsonl > strings.jsonl
//   node oracle.mjs compare NAME strings.jsonl expected.jsonl got.jsonl    (lines compared as parsed JSON)
//   node oracle.mjs roundtrip NAME strings.jsonl decoded.jsonl [--nfc-only]
//   node oracle.mjs bench DIR textfile                      JS encode speed (MB/s)
// DIR holds tokenizer.json and tokenizer_config.json.
import { Tokenizer } from "@huggingface/tokenizers";
import { readFileSync, writeFileSync } from "node:fs";

const [cmd, ...args] = process.argv.slice(2);
const lines = (f) => { const s = readFileSync(f, "utf8"); return s.split("\n").slice(0, s.endsWith("\n") ? -1 : undefined); };
const load = (dir) => new Tokenizer(JSON.parse(readFileSync(`${dir}/tokenizer.json`, "utf8")),
                                    JSON.parse(readFileSync(`${dir}/tokenizer_config.json`, "utf8")));
const show = (s) => JSON.stringify(s.length > 300 ? s.slice(0, 300) + "…" : s);

if (cmd === "encode") {
  const tok = load(args[0]);
  const out = [];
  for (const line of lines("/dev/stdin")) out.push(JSON.stringify(tok.encode(JSON.parse(line)).ids));
  process.stdout.write(out.join("\n") + (out.length ? "\n" : ""));
} else if (cmd === "all") {
  const tok = load(args[0]);
  const ids = [], dec = [], decskip = [];
  for (const line of lines(args[1])) {
    const x = tok.encode(JSON.parse(line)).ids;
    ids.push(JSON.stringify(x));
    for (const [out, skip] of [[dec, false], [decskip, true]])
      out.push(JSON.stringify(x.length ? tok.decode(x, { skip_special_tokens: skip, clean_up_tokenization_spaces: false }) : ""));
  }
  for (const [ext, out] of [["ids", ids], ["dec", dec], ["decskip", decskip]])
    writeFileSync(`${args[2]}.${ext}`, out.join("\n") + (out.length ? "\n" : ""));
} else if (cmd === "decode") {
  // clean_up_tokenization_spaces is a transformers post-step, not part of tokenizers' decode.
  const tok = load(args[0]);
  const opts = { skip_special_tokens: args[1] === "--skip-special", clean_up_tokenization_spaces: false };
  const out = [];
  for (const line of lines("/dev/stdin")) {
    const ids = JSON.parse(line);
    out.push(JSON.stringify(ids.length ? tok.decode(ids, opts) : ""));
  }
  process.stdout.write(out.join("\n") + (out.length ? "\n" : ""));
} else if (cmd === "compare") {
  const [name, sf, ef, gf] = args;
  const strs = lines(sf), exp = lines(ef), got = lines(gf);
  let bad = 0;
  if (exp.length !== strs.length || got.length !== strs.length) {
    console.log(`${name}: line counts differ: strings ${strs.length}, expected ${exp.length}, got ${got.length}`);
    bad++;
  }
  for (let i = 0; i < Math.min(strs.length, exp.length, got.length); i++) {
    if (exp[i] === got[i] || JSON.stringify(JSON.parse(exp[i])) === JSON.stringify(JSON.parse(got[i]))) continue;
    if (++bad <= 10) console.log(`${name}: MISMATCH line ${i + 1}: ${show(JSON.parse(strs[i]))}\n  expected ${exp[i]}\n  got      ${got[i]}`);
  }
  console.log(`${name}: ${strs.length - bad}/${strs.length} strings match`);
  process.exit(bad ? 1 : 0);
} else if (cmd === "roundtrip") {
  const [name, sf, df, opt] = args;
  const strs = lines(sf).map((l) => JSON.parse(l)), dec = lines(df).map((l) => JSON.parse(l));
  let bad = 0, n = 0;
  for (let i = 0; i < strs.length; i++) {
    if (opt === "--nfc-only" && strs[i].normalize("NFC") !== strs[i]) continue;
    n++;
    if (dec[i] === strs[i]) continue;
    if (++bad <= 10) console.log(`${name}: ROUNDTRIP line ${i + 1}: ${show(strs[i])}\n  decoded ${show(dec[i] ?? "<missing>")}`);
  }
  console.log(`${name}: ${n - bad}/${n} strings decode back exactly`);
  process.exit(bad ? 1 : 0);
} else if (cmd === "bench") {
  const tok = load(args[0]);
  const text = readFileSync(args[1], "utf8");
  const bytes = Buffer.byteLength(text);
  tok.encode(text.slice(0, 10000));
  const t0 = performance.now();
  const n = tok.encode(text).ids.length;
  const dt = (performance.now() - t0) / 1000;
  console.log(`js: ${bytes} bytes -> ${n} tokens in ${dt.toFixed(3)} s = ${(bytes / dt / 1e6).toFixed(2)} MB/s`);
} else {
  console.error("usage: node oracle.mjs encode|compare|roundtrip|bench ...");
  process.exit(2);
}
