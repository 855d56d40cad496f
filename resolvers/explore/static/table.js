// The table form of a view, with CSV and JSON downloads of the same rows.
import { h } from './dom.js';

/** The columns of rows: every key of any row, in first-seen order. */
export function columns(rows) {
  const cols = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
  return cols;
}

function cell(v) {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

/** The rows as CSV (RFC 4180: a header line, CRLF line ends, fields quoted when needed). */
export function csv(rows) {
  const cols = columns(rows);
  return [cols.map(cell).join(','), ...rows.map((r) => cols.map((c) => cell(r[c])).join(','))].join('\r\n') + '\r\n';
}

function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** Renders rows as a table with download buttons; name is the file name without extension. */
export function table(rows, name) {
  const cols = columns(rows);
  return h('div', { id: 'table-form' },
    h('div', { class: 'toolbar' },
      h('button', { id: 'download-csv', onclick: () => download(name + '.csv', 'text/csv', csv(rows)) }, 'Download CSV'),
      h('button', { id: 'download-json', onclick: () => download(name + '.json', 'application/json', JSON.stringify(rows, null, 2) + '\n') }, 'Download JSON'),
      `${rows.length} rows`),
    h('table', { id: 'rows' },
      h('thead', {}, h('tr', {}, cols.map((c) => h('th', {}, c)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, cols.map((c) => h('td', {}, r[c] ?? '')))))));
}
