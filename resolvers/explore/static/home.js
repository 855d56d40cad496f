// The model home: counts by kind, revision and alignment summary.
import { gql } from './api.js';
import { h, num } from './dom.js';
import { analyses } from './analyses.js';

const query = `query Home($m: ID!) {
  model(key: $m) { key name description elementCount relationshipCount counts { kind count } }
  changes(model: $m, first: 1) { nodes { revision at } }
}`;

/** Renders the home of one model. */
export async function home(model) {
  const d = await gql(query, { m: model });
  const m = d.model;
  const last = d.changes.nodes[0];
  const summary = await analyses.summary(model);
  return h('div', { id: 'home' },
    h('h2', {}, m.name),
    m.description ? h('p', {}, m.description) : null,
    h('p', {}, `${num(m.elementCount)} elements, ${num(m.relationshipCount)} relationships; `,
      h('span', { id: 'revision' }, last ? `revision ${last.revision} (${last.at})` : 'no recorded changes')),
    h('h3', {}, 'Elements by kind'),
    h('table', { class: 'counts' },
      h('tbody', {}, m.counts.map((c) => h('tr', { dataset: { kind: c.kind } }, h('td', {}, c.kind), h('td', {}, num(c.count)))))),
    h('h3', {}, 'Alignment'),
    summary);
}
