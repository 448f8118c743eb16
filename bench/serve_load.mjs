// bench/serve_load.mjs BASE MODEL CLIENTS SECONDS MAX_TOKENS: the load benchmark of `seal serve` (make bench).
// First one client sends requests one after another for SECONDS (sequential), then CLIENTS clients do the same
// at once for SECONDS (each retries a 429 after 20 ms). Every request is greedy with ignore_eos, so each
// answered one is MAX_TOKENS tokens; prompts differ per request. Prints one JSON line: completion tokens per
// second both ways, their ratio, and the status counts (every request must get 200 or 429).
const [base, model, clients, seconds, maxTokens] = process.argv.slice(2);
const names = ['Mira Okafor', 'Sami Morgan', 'Liko Varerdrel', 'Tamsin Hale', 'Oren Vask', 'Ilse Brandt'];
const counts = {ok: 0, rejected: 0, other: 0, failed: 0};
async function one(i) {
  const body = {model, prompt: `${names[i % names.length]} was born in`, max_tokens: +maxTokens, temperature: 0,
                ignore_eos: true};
  try {
    const r = await fetch(base + '/v1/completions', {method: 'POST', headers: {'Content-Type': 'application/json'},
                                                     body: JSON.stringify(body)});
    const j = await r.json();
    if (r.status === 200) { counts.ok++; return j.usage.completion_tokens; }
    if (r.status === 429) { counts.rejected++; await new Promise(s => setTimeout(s, 20)); return 0; }
    counts.other++;
  } catch (e) { counts.failed++; }
  return 0;
}
async function client(k, until) {
  let tokens = 0;
  for (let i = k; Date.now() < until; i += 1000) tokens += await one(i);
  return tokens;
}
async function phase(n) {
  const t0 = Date.now(), until = t0 + seconds * 1000;
  const toks = await Promise.all(Array.from({length: n}, (_, k) => client(k, until)));
  return toks.reduce((a, b) => a + b, 0) / ((Date.now() - t0) / 1000);
}
const seq = await phase(1);
const conc = await phase(+clients);
console.log(JSON.stringify({engine: 'seal', item: 'serve_load', clients: +clients, seconds: +seconds,
  max_tokens: +maxTokens, sequential_tok_s: +seq.toFixed(1), concurrent_tok_s: +conc.toFixed(1),
  ratio: +(conc / seq).toFixed(2), ...counts}));
