// tests/serve/fake_judge.mjs PORTFILE MODE: a stand-in OpenAI endpoint for the remote-judge tests. MODE "yes"
// answers every request with a completion "Yes." (a judge that accepts everything), "garbage" with a 200 that is
// not an OpenAI response. Writes its port to PORTFILE; counts requests in PORTFILE.count.
import http from 'node:http';
import fs from 'node:fs';
const [portfile, mode] = process.argv.slice(2);
let n = 0;
const srv = http.createServer((req, res) => {
  let body = '';
  req.on('data', d => body += d);
  req.on('end', () => {
    fs.writeFileSync(portfile + '.count', String(++n));
    res.writeHead(200, {'Content-Type': 'application/json'});
    if (mode === 'garbage') return res.end('<html>hello</html>');
    const chat = req.url.endsWith('/chat/completions');
    res.end(JSON.stringify({object: chat ? 'chat.completion' : 'text_completion',
      choices: [chat ? {index: 0, message: {role: 'assistant', content: 'Yes.'}} : {index: 0, text: 'Yes.'}]}));
  });
});
srv.listen(0, '127.0.0.1', () => fs.writeFileSync(portfile, String(srv.address().port)));
