// tests/serve/adapt_client.mjs BASE EVAL_JSON FIRST N NAME [SETTINGS_JSON]: POST passages FIRST..FIRST+N-1 of a
// SEAL knowledge file to /v1/adapt as adapter NAME, poll the job until it ends, print the job as one JSON line.
import fs from 'node:fs';
const [base, file, first, n, name, extra] = process.argv.slice(2);
const passages = JSON.parse(fs.readFileSync(file, 'utf8')).slice(+first, +first + +n);
const body = {name, passages, ...(extra ? JSON.parse(extra) : {})};
const headers = {'Content-Type': 'application/json'};
const r = await fetch(base + '/v1/adapt', {method: 'POST', headers, body: JSON.stringify(body)});
if (r.status !== 202) { console.error(r.status, await r.text()); process.exit(1); }
const {id} = await r.json();
for (;;) {
  await new Promise(s => setTimeout(s, 500));
  const j = await (await fetch(`${base}/v1/adapt/${id}`)).json();
  if (['succeeded', 'failed', 'cancelled'].includes(j.status)) { console.log(JSON.stringify(j)); break; }
}
