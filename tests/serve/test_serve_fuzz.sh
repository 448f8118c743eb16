#!/usr/bin/env bash
# seal serve under bad input: more than 50 malformed requests (bad JSON, wrong types, out-of-range and enormous
# numbers, unknown models, invalid UTF-8, huge bodies and headers, wrong methods and routes, truncated bodies,
# slow-loris connections). Each must get a 4xx with an OpenAI error body (or, for the raw-socket ones, a 4xx or a
# closed connection), and the server must keep serving: a good request afterwards is answered 200.
. "$(dirname "$0")/../lib.sh"
. "$here/serve_lib.sh"
start_server "$tmp/log" -m "$M" -t 1 --timeout 2 --max-body 65536 --max-tokens 256 --max-n 4

n_sent=0
# bad_post PATH BODY: a 4xx whose body is {"error": {"message": ..., "code": <the status>}}.
bad_post() {
  n_sent=$((n_sent+1))
  post "$1" "$2"
  case $code in 4??) ;; *) fail "${1:0:200} ${2:0:200}: status $code ${b:0:300}"; return;; esac
  # (a pattern, not node: this runs 70 times)
  [[ $b == '{"error":{"message":"'*',"param":null,"code":'$code'}}' ]] || fail "${1:0:200} ${2:0:200}: error body ${b:0:300}"
}
C=/v1/completions
for body in '' '{' '[' 'null' '1' '"x"' '{"prompt":}' "{'prompt':'a'}" '{"prompt":"a"} trailing' '{"prompt":"a",}' \
    '{"prompt":5}' '{"prompt":{}}' '{"prompt":[1.5]}' '{"prompt":[[1],[2]]}' '{"prompt":["a","b"]}' '{"prompt":[-1]}' \
    '{"prompt":[999999]}' '{"prompt":[]}' '{}' '{"prompt":"a","max_tokens":"5"}' '{"prompt":"a","max_tokens":1.5}' \
    '{"prompt":"a","max_tokens":-1}' '{"prompt":"a","max_tokens":0}' '{"prompt":"a","max_tokens":1000000000}' \
    '{"prompt":"a","max_tokens":99999999999999999999999}' '{"prompt":"a","temperature":"hot"}' \
    '{"prompt":"a","temperature":-1}' '{"prompt":"a","temperature":1e400}' '{"prompt":"a","top_p":0}' \
    '{"prompt":"a","top_p":2}' '{"prompt":"a","n":0}' '{"prompt":"a","n":1000}' '{"prompt":"a","n":"2"}' \
    '{"prompt":"a","seed":-1}' '{"prompt":"a","seed":"x"}' '{"prompt":"a","stop":5}' '{"prompt":"a","stop":[1]}' \
    '{"prompt":"a","stop":["","b"]}' '{"prompt":"a","stop":["a","b","c","d","e"]}' '{"prompt":"a","stream":"yes"}' \
    '{"prompt":"a","model":5}' '{"prompt":"a","model":"nope"}' '{"prompt":"a","logprobs":9}' '{"prompt":"a","logprobs":2,"stream":true}' '{"prompt":"a","echo":true}' \
    '{"prompt":"a","presence_penalty":1}' '{"prompt":"a","best_of":3}' '{"prompt":"a","logit_bias":{"1":5}}' \
    '{"prompt":"a","ignore_eos":"x"}' '{"prompt":"a","top_k":-5}' '{"prompt":"a","repetition_penalty":0}' \
    "[$(printf '[%.0s' $(seq 1 3000))]"; do
  bad_post $C "$body"
done
long=$(seq -s, 1 2000); bad_post $C "{\"prompt\":[${long//[0-9][0-9][0-9][0-9]/5}]}"   # 2000 tokens > the context
H=/v1/chat/completions
for body in '{"messages":"hi"}' '{"messages":[]}' '{"messages":[{"role":"tool","content":"x"}]}' \
    '{"messages":[{"content":"x"}]}' '{"messages":[{"role":"user","content":5}]}' \
    '{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}' \
    '{"messages":[{"role":"user","content":"x"}],"max_completion_tokens":0}' \
    '{"messages":[{"role":"user","content":"x"}],"top_logprobs":2}' '{"messages":[{"role":"user","content":"x"}],"tools":[]}'; do
  bad_post $H "$body"
done
# Invalid UTF-8 inside a JSON string, and a body over --max-body.
bad_post $C "$(printf '{"prompt":"a\xff\xfeb"}')"
bad_post $C "$(printf '{"prompt":"\xc3"}')"
head -c 70000 /dev/zero | tr '\0' a >"$tmp/big"; bad_post $C "{\"prompt\":\"$(cat "$tmp/big")\"}"
# Routes and methods.
for r in "GET $C" "DELETE $C" "GET /v1/nothing" "POST /v1/models" "PUT /health" "POST /v1/load_lora_adapter"; do
  n_sent=$((n_sent+1))
  c=$(curl -s -o "$tmp/b" -w '%{http_code}' -X "${r% *}" -d '{}' "$base${r#* }")
  case $c in 4??) ;; *) fail "$r: $c";; esac
done

# Raw sockets (node): a huge header, a truncated body, a slow-loris header, garbage instead of HTTP, 20 idle
# connections. Each must end in a 4xx or a closed connection within the timeout.
cat >"$tmp/raw.mjs" <<'JS'
import net from 'node:net';
const port = +process.argv[2];
function attempt(name, chunks, delay) {
  return new Promise(res => {
    const s = net.connect(port, '127.0.0.1');
    let got = '', i = 0;
    const t = setTimeout(() => { s.destroy(); res(`${name}: still open after 8 s`); }, 8000);
    s.on('data', d => got += d);
    s.on('close', () => { clearTimeout(t); const st = got.slice(9, 12);
      res(got === '' || st[0] === '4' ? null : `${name}: answered ${JSON.stringify(got.slice(0, 40))}`); });
    s.on('error', () => {});
    const send = () => { if (i < chunks.length && !s.destroyed) { s.write(chunks[i++]); setTimeout(send, delay); } };
    send();
  });
}
const big = 'X-Big: ' + 'a'.repeat(200000) + '\r\n';
const tests = [
  attempt('huge header', ['POST /v1/completions HTTP/1.1\r\nHost: x\r\n' + big + '\r\n{}'], 0),
  attempt('truncated body', ['POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"pro'], 0),
  attempt('slow loris', Array.from({length: 40}, (_, k) => k ? 'X-' + k + ': y\r\n' : 'GET /v1/models HTTP/1.1\r\n'), 500),
  attempt('garbage', ['\x00\x01\x02 not http at all\r\n\r\n'], 0),
  attempt('bad utf-8 url', ['GET /v1/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n'], 0),
  ...Array.from({length: 20}, (_, k) => attempt('idle ' + k, ['POST /v1/completions HTTP/1.1\r\n'], 0)),
];
const errs = (await Promise.all(tests)).filter(x => x);
console.log(JSON.stringify({n: tests.length, errs}));
process.exit(0);
JS
r=$(node "$tmp/raw.mjs" "$port")
n_sent=$((n_sent + $(jget "$r" 'r.n')))
[ "$(jget "$r" 'r.errs.length')" = 0 ] || fail "raw sockets: $(jget "$r" 'r.errs')"

echo "$n_sent malformed requests sent"
[ $n_sent -ge 50 ] || fail "only $n_sent malformed requests"
kill -0 $srv_pid || fail "the server died"
post $C '{"prompt":"Mira Okafor was born in","max_tokens":8,"temperature":0}'
[ "$code" = 200 ] && [ "$(jget "$b" 'r.usage.completion_tokens')" = 8 ] || fail "a good request after the fuzz: $code $b"
stop_server
[ $fails -eq 0 ]
