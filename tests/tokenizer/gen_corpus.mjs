// gen_corpus.mjs: a deterministic corpus of tokenizer edge cases, one JSON
// string per line on stdout. Same output on every run (seeded PRNG).
//   node gen_corpus.mjs [count]      (default 2400 lines)
// Avoided on purpose: U+0085 and U+FEFF (JS \s and Oniguruma/Rust \s disagree
// on them), lone surrogates, and characters newer than Unicode 14 (PCRE2 10.42).

const count = Number(process.argv[2] ?? 2400);
let seed = 0x5EA1;
const rand = () => { // mulberry32
  seed = (seed + 0x6D2B79F5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (a) => a[Math.floor(rand() * a.length)];
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));

const words = ["the", "The", "THE", "hello", "Hello", "world", "tokenizer", "SEAL", "self-adapting", "language",
  "models", "naïve", "café", "résumé", "Zürich", "straße", "don", "won", "I", "a", "an", "of", "to", "in", "is",
  "it", "you", "that", "was", "for", "on", "are", "with", "as", "his", "they", "be", "at", "one", "have", "this",
  "from", "or", "had", "by", "hot", "word", "but", "what", "some", "we", "can", "out", "other", "were", "all",
  "there", "when", "up", "use", "your", "how", "said", "each", "she", "which", "do", "their", "time", "if",
  "will", "way", "about", "many", "then", "them", "write", "would", "like", "so", "these", "her", "long", "make",
  "thing", "see", "him", "two", "has", "look", "more", "day", "could", "go", "come", "did", "number", "sound",
  "no", "most", "people", "my", "over", "know", "water", "than", "call", "first", "who", "may", "down", "side",
  "been", "now", "find", "supercalifragilisticexpialidocious", "antidisestablishmentarianism", "GPT", "LoRA",
  "Llama", "Qwen", "HTTPServer", "camelCaseWord", "snake_case_word", "kebab-case-word", "x86_64", "UTF-8"];
const contractions = ["'s", "'S", "'t", "'T", "'re", "'RE", "'Re", "'ve", "'VE", "'m", "'M", "'ll", "'LL", "'Ll",
  "'d", "'D", "n't", "N'T", "'", "''", "'x", "'em"];
const cjk = ["中文", "测试", "你好", "世界", "日本語", "東京", "漢字", "한국어", "안녕하세요", "こんにちは", "カタカナ",
  "ひらがな", "中", "文", "，", "。", "「", "」", "、", "！", "？", "：", "（", "）", "龍", "𠀀", "𪚥"];
const emoji = ["🤗", "😀", "🎉", "👍", "👍🏽", "👍🏿", "👨‍👩‍👧‍👦", "👩‍💻", "🧑🏾‍🚀", "🏳️‍🌈", "🇺🇸", "🇯🇵", "🇫🇷",
  "❤️", "☺️", "✨", "🔥", "💯", "🙏🏻", "🤷‍♀️", "🏴‍☠️", "1️⃣", "#️⃣", "🦀", "🐍", "⚡", "☕"];
const scripts = ["Привет", "мир", "Ελληνικά", "αβγ", "مرحبا", "العربية", "שלום", "עברית", "नमस्ते", "हिन्दी",
  "ไทย", "สวัสดี", "Tiếng Việt", "ქართული", "Հայերեն", "ελληνικά", "Ωμέγα", "ǅungla", "ﬁne", "Ⅻ", "½", "²³",
  "١٢٣", "٤٥٦", "०१२", "๓๔", "①②", "ℕ", "𝐀𝐁𝐂", "𝔘𝔫𝔦"];
const combining = ["e\u0301", "a\u0308", "o\u0302\u0323", "n\u0303", "i\u0307\u0301", "\u0301", "c\u0327",
  "Å", "A\u030A", "\u1100\u1161\u11A8", "ﾊﾟ", "g\u0306\u0306\u0306"];
const punct = [".", ",", "!", "?", "...", "!!!", "?!", "—", "–", "-", "--", "---", "(", ")", "[", "]", "{", "}",
  "<", ">", "<<", ">>", "/", "\\", "|", "@", "#", "$", "%", "^", "&", "*", "_", "+", "=", "~", "`", "\"", ";",
  ":", "::", "->", "=>", "!=", "==", "<=", ">=", "**", "//", "/*", "*/", "«", "»", "…", "•", "§", "¶", "†",
  "©", "®", "™", "°", "±", "×", "÷", "€", "£", "¥", "¢", "\u00AD"];
const spaces = [" ", " ", " ", "  ", "   ", "    ", "\t", "\t\t", "\n", "\n\n", "\r\n", "\r\n\r\n", "\r",
  " \n", "  \n ", "\n  ", "\t\n", "\u00A0", "\u3000", "\u2003", "\u2028", "\u000B", "\u000C", " \t "];
const code = ["def f(x):\n    return x**2\n", "for (int i = 0; i < n; i++) {\n\tsum += a[i];\n}",
  "if (a && b || !c) { x->y = z; }", "#include <stdio.h>\nint main(void) { printf(\"%d\\n\", 42); }",
  "const f = async () => { await g(); };", "SELECT * FROM t WHERE id = 7;", "<div class=\"x\">hi</div>",
  "{\"key\": [1, 2.5, -3e10, null, true]}", "x = [i for i in range(10) if i % 2 == 0]", "$ ls -la | grep '.c$'",
  "fn main() { println!(\"{}\", 1_000_000); }", "a_b_c = {'k': \"v\"}  # comment", "    indented\n        more",
  "https://example.com/path?q=1&r=2#frag", "user@example.org", "C:\\Windows\\System32", "0x1F600 0b1010 0o777",
  "λx. x + 1", "∀x∈ℝ: x² ≥ 0", "E = mc²", "3.14159265358979", "1,234,567.89", "2025-11-29T20:06:00Z"];
const specials = ["<|im_start|>", "<|im_end|>", "<|endoftext|>", "<tool_call>", "</tool_call>", "<think>",
  "</think>", "<|fim_prefix|>", "<|vision_pad|>", "<s>", "</s>", "<unk>", "<|begin_of_text|>",
  "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>", "<|reserved_special_token_5|>",
  "<|im_start", "im_end|>", "<|", "|>", "<s", "s>", "<|endoftext|><|endoftext|>"];

const digits = (n) => { let s = String(int(1, 9)); while (s.length < n) s += String(int(0, 9)); return s; };
const letters = (n, alpha = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") => {
  let s = ""; for (let i = 0; i < n; i++) s += alpha[int(0, alpha.length - 1)]; return s;
};

const out = [];
const fixed = [
  "", " ", "  ", "\n", "\t", "\r\n", "a", "A", "0", "!", "'", "'s", " 's", "Hello world, the 2025 SEAL paper's test!",
  "<|im_start|>user\nHi there<|im_end|>\n", "  multiple   spaces\n\n\ttab", "中文测试，emoji 🤗 café",
  "x=12345678; y'all DON'T", "trailing space ", "trailing spaces   ", "trailing newline\n", "trailing tab\t",
  "   leading spaces", "\n\nleading newlines", "CRLF line one\r\nline two\r\n", "I'M HERE AND YOU'LL SEE IT'S OK",
  "i'm here and you'll see it's ok", "She said: \"It's John's book, isn't it?\"", "ﬁnancial ﬂow", "Ⅸ Ⅹ ½ ¼ ²",
  "\u0000", "a\u0000b", "\u0001\u0002\u001F\u007F", "\u200B\u200C\u200D", "e\u0301 vs \u00E9", "Cafe\u0301 and Café",
  "<s>Hello</s>", "<s> Hello </s>", "</s><s>", "<|begin_of_text|>Hi<|eot_id|>", "<|endoftext|>", "<think>\n\n</think>\n\n",
  "<tool_call>\n{\"name\": \"f\"}\n</tool_call>", "a<|im_end|>b", " <|im_end|> ", "<<|im_start|>>", "<s><s><s>",
  "▁already▁has▁metaspace", "▁", "Ġ", "ĠĠ", "Ċ", "<0x41>", "<0xFF>", "<unk>", "[UNK]", "�", "\uFFFD\uFFFD",
];
for (const s of fixed) out.push(s);
for (let n = 1; n <= 12; n++) { out.push(digits(n)); out.push("x" + digits(n) + "y"); out.push(" " + digits(n) + " "); }
for (let n = 1; n <= 12; n++) out.push(digits(n) + "." + digits(int(1, 4)) + " and " + digits(n) + "," + digits(3));
for (const c of contractions) { out.push("word" + c); out.push("WORD" + c + " next"); out.push(" " + c); out.push(c + c); }
for (const w of [...cjk, ...emoji, ...scripts, ...combining]) { out.push(w); out.push(" " + w + " " + w + w); }
for (const p of punct) { out.push(p); out.push("a" + p + p + p + "b"); out.push(" " + p + "\n"); }
for (const s of spaces) { out.push("a" + s + "b"); out.push(s); out.push("word" + s); out.push(s + "word"); }
for (const c of code) out.push(c);
for (const sp of specials) { out.push(sp); out.push("text " + sp + " text"); out.push("x" + sp + "y"); out.push(sp + "\n" + sp); }
for (const n of [100, 255, 256, 257, 500, 1000, 3000]) {
  out.push(letters(n)); out.push(letters(n, "abc")); out.push("Ĳ" + letters(n, "xyzé") + "!");
  out.push(digits(n)); out.push(" ".repeat(n) + "x"); out.push("!".repeat(n)); out.push("中".repeat(n));
}
out.push("🤗".repeat(200)); out.push("👨‍👩‍👧‍👦".repeat(50)); out.push("a\u0301".repeat(300));

const pools = [words, words, words, words, contractions, cjk, emoji, scripts, combining, punct, punct, spaces,
  spaces, specials, () => digits(int(1, 12)), code];
while (out.length < count) {
  const n = int(1, 24);
  let s = "";
  for (let i = 0; i < n; i++) {
    const pool = pick(pools);
    const piece = typeof pool === "function" ? pool() : pick(pool);
    s += (rand() < 0.55 && s && !/\s$/.test(s) ? " " : "") + piece;
  }
  const r = rand();
  if (r < 0.08) s = s.normalize("NFD");
  else if (r < 0.12) s = s.normalize("NFC");
  else if (r < 0.16) s = s.toUpperCase();
  out.push(s);
  if (r < 0.08) out.push(s.normalize("NFC"));
}
for (const s of out) process.stdout.write(JSON.stringify(s) + "\n");
