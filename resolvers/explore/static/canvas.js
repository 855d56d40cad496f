// The canvas view: the nine blocks, each element in its block, elements with findings marked.
import { gql } from './api.js';
import { h } from './dom.js';
import { analyses } from './analyses.js';

/** The nine blocks: the Canvas field, its title and the kind of its elements. */
export const blocks = [
  ['keyPartners', 'Key partners', 'KeyPartner'],
  ['keyActivities', 'Key activities', 'KeyActivity'],
  ['keyResources', 'Key resources', 'KeyResource'],
  ['valuePropositions', 'Value propositions', 'ValueProposition'],
  ['customerRelationships', 'Customer relationships', 'CustomerRelationship'],
  ['channels', 'Channels', 'Channel'],
  ['customerSegments', 'Customer segments', 'CustomerSegment'],
  ['costs', 'Cost structure', 'Cost'],
  ['revenueStreams', 'Revenue streams', 'RevenueStream'],
];

const query = `query Canvas($m: ID!) { model(key: $m) { canvas {
  ${blocks.map(([f]) => `${f} { key name }`).join('\n  ')}
} } }`;

/** Renders the canvas; onPick(key) is called when an element is clicked. */
export async function canvas(model, onPick) {
  const [d, findings] = await Promise.all([gql(query, { m: model }), analyses.findings(model)]);
  const c = d.model.canvas;
  return h('div', { class: 'canvas', id: 'canvas' }, blocks.map(([field, title, kind]) =>
    h('div', { class: 'block', dataset: { block: field, kind } },
      h('h3', {}, title, ` (${c[field].length})`),
      c[field].map((e) => elementButton(e, findings.get(e.key) || [], onPick)))));
}

function elementButton(e, fs, onPick) {
  const worst = fs.some((f) => f.severity === 'ERROR') ? ' error' : '';
  return h('button', {
    class: 'element' + (fs.length ? ' finding' + worst : ''),
    dataset: { key: e.key, findings: String(fs.length) },
    title: fs.map((f) => `${f.severity} ${f.rule}: ${f.message}`).join('\n') || e.key,
    onclick: (ev) => {
      document.querySelectorAll('.element.selected').forEach((b) => b.classList.remove('selected'));
      ev.currentTarget.classList.add('selected');
      onPick(e.key);
    },
  }, fs.length ? h('span', { class: 'marker' }, `${fs.length} finding${fs.length > 1 ? 's' : ''}`) : null, e.name);
}
