// gen_train_corpus.mjs: deterministic synthetic text for seal's BPE trainer tests.
//   node gen_train_corpus.mjs jsonl BYTES   documents as JSONL rows {"text": ...}, about BYTES in all
//   node gen_train_corpus.mjs text BYTES    the same documents as plain text, separated by <|endoftext|>
//   node gen_train_corpus.mjs test N        N test strings (JSON strings, one a line), from another seed:
//                                           new sentences, unseen words, and edge cases
// English-like words come from a syllable generator (so the vocabulary is open),
// mixed with common words, numbers, dates, prices, punctuation, code-ish lines,
// accented Latin, Cyrillic, Greek, CJK, emoji and assorted whitespace/newlines.
// Avoided: U+0085 and U+FEFF (JS \s and Oniguruma/PCRE2 disagree on them).

const [mode = "jsonl", arg = "300000"] = process.argv.slice(2);
let seed = mode === "test" ? 0xBEEF : 0x5EA1;
const rand = () => { // mulberry32
  seed = (seed + 0x6D2B79F5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (a) => a[Math.floor(rand() * a.length)];
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));

const common = ["the", "of", "and", "to", "a", "in", "is", "it", "you", "that", "he", "was", "for", "on", "are",
  "with", "as", "I", "his", "they", "be", "at", "one", "have", "this", "from", "or", "had", "by", "word", "but",
  "what", "some", "we", "can", "out", "other", "were", "all", "there", "when", "up", "use", "your", "how", "said",
  "an", "each", "she", "which", "do", "their", "time", "if", "will", "way", "about", "many", "then", "them",
  "would", "like", "so", "these", "her", "long", "make", "thing", "see", "him", "two", "has", "look", "more",
  "day", "could", "go", "come", "did", "number", "no", "most", "people", "my", "over", "know", "water", "than",
  "first", "who", "may", "down", "been", "now", "find", "model", "token", "learning", "adapter", "little",
  "story", "Lily", "Tom", "happy", "big", "dog", "cat", "park", "play", "friend", "mom", "tree", "sun"];
const onsets = ["b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "st",
  "tr", "pl", "gr", "ch", "sh", "th", "br", "cl", "fl", "sp", ""];
const nuclei = ["a", "e", "i", "o", "u", "ai", "ea", "ou", "oo", "y", "ie"];
const codas = ["", "", "n", "r", "s", "t", "l", "m", "nd", "st", "ng", "ck", "rt", "x"];
const suffixes = ["", "", "", "s", "ed", "ing", "er", "ly", "tion", "ness", "able"];
const unicodeWords = ["café", "naïve", "Zürich", "straße", "résumé", "façade", "Ångström", "São", "Kraków",
  "Привет", "мир", "Ελληνικά", "αβγ", "中文", "测试", "你好", "世界", "日本語", "こんにちは", "한국어",
  "שלום", "مرحبا", "नमस्ते", "🤗", "😀", "👍🏽", "🎉", "✨", "€", "£", "°C", "½", "…", "—", "«oui»"];
const punct = [",", ",", ",", ".", ".", ".", "!", "?", ";", ":", " -", " —", "...", "!?"];

const syllWord = () => {
  let w = "";
  for (let i = int(1, 3); i > 0; i--) w += pick(onsets) + pick(nuclei) + pick(codas);
  return w + pick(suffixes);
};
const cap = (w) => w[0].toUpperCase() + w.slice(1);
const number = () => {
  switch (int(0, 6)) {
    case 0: return String(int(0, 99));
    case 1: return String(int(100, 99999));
    case 2: return `${int(1, 28)}/${int(1, 12)}/${int(1900, 2030)}`;
    case 3: return `$${int(1, 999)}.${String(int(0, 99)).padStart(2, "0")}`;
    case 4: return `${int(0, 100)}%`;
    case 5: return `${int(1, 9)}.${int(0, 999)}e-${int(1, 12)}`;
    default: return `+1 (${int(200, 999)}) ${int(100, 999)}-${int(1000, 9999)}`;
  }
};
const wordOf = () => {
  const r = rand();
  if (r < 0.55) return pick(common);
  if (r < 0.85) return syllWord();
  if (r < 0.93) return number();
  return pick(unicodeWords);
};
const sentence = () => {
  const n = int(3, 16);
  let s = cap(pick(common.concat([syllWord()])));
  for (let i = 1; i < n; i++) {
    if (rand() < 0.08) s += pick(punct);
    const w = wordOf();
    s += (rand() < 0.03 ? "  " : " ") + (rand() < 0.05 ? `"${w}"` : rand() < 0.04 ? `(${w})` : w);
    if (rand() < 0.04) s += pick(["'s", "'t", "'re", "'ll", "'d", "'ve", "'m", "n't"]);
  }
  return s + pick([".", ".", ".", "!", "?", "...", ":"]);
};
const codeLine = () => pick([
  `def ${syllWord()}(x, y=${int(0, 9)}):\n    return x * y + ${int(0, 99)}\n`,
  `for (int i = 0; i < ${int(1, 512)}; i++) {\n\tsum += a[i];\n}`,
  `${syllWord()}_${syllWord()} = {"k": [${int(0, 9)}, ${int(0, 9)}.${int(0, 9)}], "ok": true}`,
  `$ ./seal train --lr 3e-4 --steps ${int(10, 9999)} # ${syllWord()}`,
  `<p class="${syllWord()}">${sentence()}</p>`,
]);
const paragraph = () => {
  let p = "";
  for (let i = int(1, 6); i > 0; i--) p += (p ? pick([" ", " ", " ", "  ", "\n"]) : "") + sentence();
  return p;
};
const doc = () => {
  let d = "";
  for (let i = int(1, 5); i > 0; i--) {
    const part = rand() < 0.1 ? codeLine() : rand() < 0.08 ? `- ${sentence()}\n- ${sentence()}` : paragraph();
    d += (d ? pick(["\n\n", "\n\n", "\n", "\r\n\r\n", "\n\n\n", "\n \n", "\t\n"]) : "") + part;
  }
  return d;
};

const out = [];
if (mode === "test") {
  const edge = ["", " ", "  ", "\n", "\n\n\n", "\r\n", "\t", " \t\n ", "a", "I'm", "DON'T", "it's", "1", "12345678901234567890",
    "3.14159", "2025-11-29", "x86_64", "hello   world", "hello\u00A0world", "\u3000全角", "end.\n", "<|endoftext|>",
    "a<|endoftext|>b", "<|endoftext|><|endoftext|>", "zzzzqqqxxx", "Supercalifragilisticexpialidocious",
    "ÀÉÎÕÜ àéîõü", "👨‍👩‍👧‍👦 family", "🇫🇷🇯🇵", "e\u0301 vs é", "ﬁne ½ Ⅻ", "𝐀𝐁𝐂 𠀀", "tab\there", "mixed\r\nline\rends\n",
    "trailing spaces   ", "   leading", "!!!???...", "((([[[{{{", "a_b-c.d/e\\f", "\u2028\u2029", "\u000B\u000C"];
  const n = Number(arg);
  for (let i = 0; out.length < n; i++) {
    if (i < edge.length) { out.push(edge[i]); continue; }
    const r = rand();
    out.push(r < 0.5 ? sentence() : r < 0.75 ? paragraph() : r < 0.85 ? codeLine() : r < 0.95 ? doc() :
      Array.from({ length: int(1, 6) }, syllWord).join(pick([" ", "", "-", "\n"])));
  }
  process.stdout.write(out.map((s) => JSON.stringify(s)).join("\n") + "\n");
} else {
  const target = Number(arg);
  let bytes = 0;
  while (bytes < target) {
    const d = doc();
    bytes += Buffer.byteLength(d) + 1;
    out.push(mode === "text" ? d : JSON.stringify({ text: d }));
  }
  process.stdout.write(out.join(mode === "text" ? "\n<|endoftext|>\n" : "\n") + "\n");
}
