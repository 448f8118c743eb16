// tokenizer_oracle_bench.mjs: the JS side of bench/run.sh's tokenizer figures,
// @huggingface/tokenizers (installed under tests/tokenizer/node_modules) timed
// the way bench/bench_tokenizer.c times seal.
//   node bench/tokenizer_oracle_bench.mjs text OUT [SQUAD_JSON]
//        write a ~2 MB English text to OUT: SQuAD passages, each followed by
//        its questions and answers, until 2,000,000 bytes; without SQUAD_JSON
//        (or when it is missing) a deterministic generated English-like text
//   node bench/tokenizer_oracle_bench.mjs bench DIR FILE [REPS]
//        JSON lines tokenizer_load (s) and tokenizer_encode (MB/s): load
//        DIR/tokenizer.json + tokenizer_config.json, warm up on the first
//        10,000 characters, then the median of REPS (default 3) encodes of the
//        whole file as one string (encode's defaults: special tokens added)
import { createRequire } from "node:module";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const TARGET_BYTES = 2_000_000;

function squadText(path) {
  const parts = [];
  let bytes = 0;
  for (const r of JSON.parse(readFileSync(path, "utf8"))) {
    let s = r.context + "\n\n";
    for (const q of r.questions) s += `Q: ${q.question}\nA: ${q.answer}\n`;
    s += "\n";
    parts.push(s);
    bytes += Buffer.byteLength(s);
    if (bytes >= TARGET_BYTES) break;
  }
  return parts.join("");
}

// Sentences of common words, names, numbers and punctuation from a fixed LCG.
function generatedText() {
  const words = ("the of and to in a is that for it as was with be by on not he this are or his from at which but " +
    "have an they you were her she there been one all we their has would when if so no will more can out about " +
    "who them what some could into than time only other new people years first also after most over its state " +
    "during between government century university river season league football city population school music " +
    "history development building national international company system however although because").split(" ");
  const names = ["Denver", "Broncos", "California", "Victoria", "Warsaw", "Newcastle", "Normans", "Huguenots",
    "Tesla", "Amazon", "Kenya", "Oxygen", "Genghis", "Luther", "Jacksonville", "Sky", "Harvard", "Rhine"];
  let x = 12345;
  const rnd = (n) => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return (x >>> 8) % n; };
  const out = [];
  let bytes = 0;
  while (bytes < TARGET_BYTES) {
    let para = "";
    for (let s = 0, ns = 3 + rnd(5); s < ns; s++) {
      const n = 8 + rnd(18), w = [];
      for (let i = 0; i < n; i++) {
        const k = rnd(20);
        w.push(k < 2 ? names[rnd(names.length)] : k < 3 ? String(rnd(3000)) : k < 4 ? `(${words[rnd(words.length)]})` : words[rnd(words.length)]);
        if (i < n - 1 && rnd(9) === 0) w[w.length - 1] += ",";
      }
      w[0] = w[0][0].toUpperCase() + w[0].slice(1);
      para += w.join(" ") + (rnd(10) === 0 ? "? " : ". ");
    }
    out.push(para.trimEnd() + "\n\n");
    bytes += Buffer.byteLength(out[out.length - 1]);
  }
  return out.join("");
}

function median(t) {
  const s = [...t].sort((a, b) => a - b), n = s.length;
  return n % 2 ? s[(n - 1) / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

const [cmd, ...args] = process.argv.slice(2);
if (cmd === "text") {
  const [out, squad] = args;
  const fromSquad = squad && existsSync(squad);
  const text = fromSquad ? squadText(squad) : generatedText();
  writeFileSync(out, text);
  console.log(`# ${out}: ${Buffer.byteLength(text)} bytes, ${fromSquad ? "SQuAD passages + questions" : "generated English-like text"}`);
} else if (cmd === "bench") {
  const [dir, file, repsArg] = args;
  const reps = Number(repsArg ?? 3);
  const req = createRequire(join(ROOT, "tests/tokenizer/package.json"));
  const { Tokenizer } = req("@huggingface/tokenizers");
  const version = JSON.parse(readFileSync(join(dirname(req.resolve("@huggingface/tokenizers")), "..", "package.json"), "utf8")).version;
  const text = readFileSync(file, "utf8");
  const bytes = Buffer.byteLength(text);
  let t0 = performance.now();
  const tok = new Tokenizer(JSON.parse(readFileSync(`${dir}/tokenizer.json`, "utf8")),
                            JSON.parse(readFileSync(`${dir}/tokenizer_config.json`, "utf8")));
  const loadS = (performance.now() - t0) / 1000;
  tok.encode(text.slice(0, 10000));
  const t = [];
  let n = 0;
  for (let r = 0; r < reps; r++) {
    t0 = performance.now();
    n = tok.encode(text).ids.length;
    t.push((performance.now() - t0) / 1000);
  }
  const med = median(t);
  const lib = `@huggingface/tokenizers ${version}, node ${process.version}`;
  console.log(JSON.stringify({ name: "tokenizer_load", shape: "qwen3", value: +loadS.toPrecision(5), unit: "s", engine: "js",
    lib, what: "JSON.parse of tokenizer.json + tokenizer_config.json, new Tokenizer" }));
  console.log(JSON.stringify({ name: "tokenizer_encode", shape: "qwen3", value: +(bytes / 1e6 / med).toPrecision(5), unit: "MB/s",
    engine: "js", lib, bytes, n_tokens: n, median_s: +med.toPrecision(5), first_s: +t[0].toPrecision(5), reps,
    what: "encode of the whole file as one string, default options" }));
} else {
  console.error("usage: node tokenizer_oracle_bench.mjs text OUT [SQUAD_JSON] | bench DIR FILE [REPS]");
  process.exit(2);
}
