// Runs the graphql-http server audits (the GraphQL over HTTP specification's requirements)
// against a running modelgraph and exits 1 when any MUST audit fails.
//
//   node .ci/audit/audit.mjs URL [TOKEN]
//
// URL is the GraphQL endpoint, e.g. http://127.0.0.1:8080/graphql. With TOKEN every request
// carries "Authorization: Bearer TOKEN" (authentication on). Prints one line per audit:
// ok, notice or warn (SHOULD and MAY) or error (MUST), with the reason for anything but ok.
import { serverAudits } from 'graphql-http';

const [url, token] = process.argv.slice(2);
if (!url) {
  console.error('usage: node audit.mjs URL [TOKEN]');
  process.exit(2);
}

async function fetchFn(input, init = {}) {
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
}

const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
for (const audit of serverAudits({ url, fetchFn })) {
  const result = await audit.fn();
  counts[result.status]++;
  let line = `${result.status}\t${result.name}`;
  if (result.status !== 'ok') {
    let body = '';
    try {
      body = (await result.response.text()).slice(0, 300);
    } catch {
      // the body was already read by the audit
    }
    line += `\n\treason: ${result.reason}\n\tHTTP ${result.response.status}${body ? `: ${body}` : ''}`;
  }
  console.log(line);
}
console.log(`summary: ${counts.ok} ok, ${counts.notice} notice, ${counts.warn} warn, ${counts.error} MUST failures`);
process.exit(counts.error > 0 ? 1 : 0);
