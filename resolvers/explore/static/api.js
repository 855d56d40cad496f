// GraphQL over the public endpoint, with an optional bearer token kept in session storage only.

const tokenKey = 'modelgraph-token';

/** An error from the API, with the codes of its GraphQL errors. */
export class APIError extends Error {
  constructor(message, codes) {
    super(message);
    this.codes = codes;
  }
}

let asking = null; // the pending token prompt, shared by concurrent requests

/** Runs one GraphQL operation and returns its data; asks for a token when the server wants one. */
export async function gql(query, variables = {}) {
  for (;;) {
    const headers = { 'Content-Type': 'application/json' };
    const token = sessionStorage.getItem(tokenKey);
    if (token) headers.Authorization = 'Bearer ' + token;
    const res = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    if (res.status === 401) {
      await askToken(token ? 'That token was not accepted.' : '');
      continue;
    }
    const body = await res.json();
    if (body.errors && body.errors.length) {
      const codes = body.errors.map((e) => (e.extensions && e.extensions.code) || '');
      throw new APIError(body.errors.map((e) => e.message).join('; '), codes);
    }
    return body.data;
  }
}

function askToken(problem) {
  if (!asking) {
    asking = new Promise((resolve) => {
      const form = document.getElementById('token-form');
      const input = document.getElementById('token-input');
      document.getElementById('token-error').textContent = problem;
      form.hidden = false;
      input.focus();
      form.onsubmit = (ev) => {
        ev.preventDefault();
        const t = input.value.trim();
        if (!t) return;
        sessionStorage.setItem(tokenKey, t);
        input.value = '';
        form.hidden = true;
        asking = null;
        resolve();
      };
    });
  }
  return asking;
}

/** The fields every drawn element carries. */
export const E = 'fragment E on Element { key kind category name }';
