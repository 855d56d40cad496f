// Alignment findings and exposure, read through the public API when the server offers them.
// Whether it does is asked once by introspection, so the explorer also works against a server
// without these fields (it says so instead of failing).
import { gql } from './api.js';
import { h, num } from './dom.js';

let offered = null;

/** Whether the server's Query has the analysis fields. */
export function available() {
  if (!offered) {
    offered = gql('{ __type(name: "Query") { fields { name } } }')
      .then((d) => new Set(d.__type.fields.map((f) => f.name)))
      .then((s) => s.has('alignment') && s.has('exposure'));
  }
  return offered;
}

const pending = () => h('p', { class: 'pending' }, 'This server does not offer alignment analyses.');

const findingsQuery = `query Findings($m: ID!, $after: String) {
  alignment(model: $m, first: 500, after: $after) {
    nodes { rule severity message kindNamed element { key } related { key } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const analyses = {
  /** The alignment summary of a model, as a block for the home view. */
  async summary(model) {
    if (!(await available())) return pending();
    const d = await gql(`query S($m: ID!) { model(key: $m) { alignmentSummary {
      total bySeverity { severity count } byRule { rule severity count } } } }`, { m: model });
    const s = d.model.alignmentSummary;
    return h('div', { id: 'alignment' },
      h('p', {}, `${num(s.total)} findings: `, s.bySeverity.map((b) => `${b.count} ${b.severity}`).join(', ') || 'none'),
      h('table', {}, h('tbody', {}, s.byRule.map((r) =>
        h('tr', {}, h('td', {}, r.rule), h('td', {}, r.severity), h('td', {}, num(r.count)))))));
  },

  /** Every finding of a model, grouped by element key (model-level ones under ""). */
  async findings(model) {
    const by = new Map();
    if (!(await available())) return by;
    let after = null;
    do {
      const d = await gql(findingsQuery, { m: model, after });
      for (const f of d.alignment.nodes) {
        const k = f.element ? f.element.key : '';
        if (!by.has(k)) by.set(k, []);
        by.get(k).push(f);
      }
      after = d.alignment.pageInfo.hasNextPage ? d.alignment.pageInfo.endCursor : null;
    } while (after);
    return by;
  },

  /** The exposure of an element, or null when the server has no exposure analysis. */
  async exposure(model, key, depth) {
    if (!(await available())) return null;
    const d = await gql(`query X($m: ID!, $k: ID!, $d: Int) { exposure(model: $m, key: $k, maxDepth: $d) {
      source { ...E } scope { ...E } cutOff { key }
      failed { element { ...E } distance shareLost path { from { ...E } type to { ...E } } }
      weakened { element { ...E } distance shareLost path { from { ...E } type to { ...E } } }
      revenueAtRisk { amount unknownAmounts streams { key name } }
      revenueWeakened { amount unknownAmounts streams { key name } }
      currency } } fragment E on Element { key kind category name }`, { m: model, k: key, d: depth || null });
    return d.exposure;
  },
};
