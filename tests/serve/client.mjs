// tests/serve/client.mjs BASE PATH BODY: POST BODY with node's fetch twice, non-streamed and streamed
// ("stream": true), and print {"text": [...], "streamed": [...], "finish": [...], "stream_finish": [...]}: the
// streamed deltas reassembled per choice, for the test to compare. Chat deltas are read from delta.content.
const [base, path, body] = process.argv.slice(2);
const req = JSON.parse(body);
const headers = {'Content-Type': 'application/json'};
if (process.env.KEY) headers.Authorization = `Bearer ${process.env.KEY}`;
const chat = path.includes('chat');
const r1 = await fetch(base + path, {method: 'POST', headers, body: JSON.stringify({...req, stream: false})});
if (r1.status !== 200) { console.error(await r1.text()); process.exit(1); }
const j = await r1.json();
const text = j.choices.map(c => chat ? c.message.content : c.text);
const finish = j.choices.map(c => c.finish_reason);
const r2 = await fetch(base + path, {method: 'POST', headers, body: JSON.stringify({...req, stream: true})});
if (r2.status !== 200 || !r2.headers.get('content-type').startsWith('text/event-stream')) process.exit(2);
const raw = await r2.text();
const streamed = text.map(() => ''), stream_finish = text.map(() => null);
let done = false;
for (const ev of raw.split('\n\n')) {
  if (!ev.trim()) continue;
  if (!ev.startsWith('data: ')) process.exit(3);
  const data = ev.slice(6);
  if (data === '[DONE]') { done = true; continue; }
  const c = JSON.parse(data).choices[0];
  streamed[c.index] += chat ? (c.delta.content ?? '') : c.text;
  if (c.finish_reason) stream_finish[c.index] = c.finish_reason;
}
if (!done) process.exit(4);
console.log(JSON.stringify({text, streamed, finish, stream_finish}));
