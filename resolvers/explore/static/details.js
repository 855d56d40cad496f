// The details of one element: properties, findings, history and its supporters in the
// operating model, with links to its graph views.
import { gql } from './api.js';
import { h, fill } from './dom.js';
import { analyses } from './analyses.js';

const operating = ['Process', 'Capability', 'Technology', 'KeyPartner'];

const query = `query Details($m: ID!, $k: ID!, $kinds: [Kind!]) {
  element(model: $m, key: $k) { key kind category name description tags properties version
    history(first: 20) { revision at actor operation target key } }
  supporters(model: $m, key: $k, kinds: $kinds) { element { key kind name } distance }
}`;

/** Shows the details of model/key in the side panel; go(view) opens a view of the element. */
export async function showDetails(panel, model, key, go) {
  panel.hidden = false;
  fill(panel, h('p', {}, 'Loading ', key, '…'));
  const [d, findings] = await Promise.all([gql(query, { m: model, k: key, kinds: operating }), analyses.findings(model)]);
  const e = d.element;
  const fs = findings.get(key) || [];
  const link = (view, label) => h('button', { class: 'open-' + view, onclick: () => go({ view, key }) }, label);
  fill(panel,
    h('h2', {}, e.name),
    h('p', {}, `${e.kind} · ${e.key} · version ${e.version}`),
    e.description ? h('p', {}, e.description) : null,
    h('div', { class: 'toolbar' }, link('supporters', 'Supporters graph'), link('impact', 'Impact graph'),
      e.kind === 'KeyPartner' ? link('exposure', 'Exposure') : null),
    h('h3', {}, 'Properties'),
    h('dl', {}, e.tags.length ? [h('dt', {}, 'tags'), h('dd', {}, e.tags.join(', '))] : null,
      Object.entries(e.properties).map(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))])),
    h('h3', {}, `Findings (${fs.length})`),
    h('ul', { class: 'compact findings' }, fs.map((f) => h('li', {}, `${f.severity} ${f.rule}: ${f.message}`))),
    h('h3', {}, 'Supporters in the operating model'),
    operating.map((k) => supportersOf(d.supporters, k)),
    h('h3', {}, 'History'),
    h('ul', { class: 'compact history' }, e.history.map((c) =>
      h('li', {}, `revision ${c.revision}, ${c.at}, ${c.actor}: ${c.operation} ${c.target} ${c.key}`))));
}

function supportersOf(all, kind) {
  const of = all.filter((s) => s.element.kind === kind);
  return h('div', { class: 'supporters', dataset: { kind } },
    h('strong', {}, `${kind} (${of.length})`),
    h('ul', { class: 'compact' }, of.map((s) => h('li', {}, `${s.element.name} (${s.distance} hop${s.distance > 1 ? 's' : ''})`))));
}
