// The graph views' data: each answer becomes one result of nodes (start, results and every
// element on their paths, each with its distance as layer), edges (the paths' steps) and rows
// for the table.
import { gql, E } from './api.js';
import { analyses } from './analyses.js';
import { num } from './dom.js';

const steps = 'path { from { ...E } type to { ...E } }';

/** An empty result around a start element. */
function result(title, start) {
  return { title, start: start ? start.key : '', nodes: new Map(), edges: new Map(), paths: new Map(), rows: [], summary: '' };
}

function addNode(r, e, distance, role) {
  const n = r.nodes.get(e.key);
  if (n) {
    if (distance < n.distance) n.distance = distance;
    if (role === 'result' || role === 'start') n.role = role;
    return n;
  }
  const m = { key: e.key, kind: e.kind, category: e.category, name: e.name, distance, role };
  r.nodes.set(e.key, m);
  return m;
}

/** Adds a path's steps; distanceOf(i) gives the layer of the element before step i. */
function addPath(r, key, path, distanceOf) {
  const ids = [];
  path.forEach((s, i) => {
    addNode(r, s.from, distanceOf(i), 'path');
    addNode(r, s.to, distanceOf(i + 1), 'path');
    const id = `${s.from.key} ${s.type} ${s.to.key}`;
    r.edges.set(id, { id, from: s.from.key, to: s.to.key, type: s.type });
    ids.push(id);
  });
  r.paths.set(key, ids);
}

const pathText = (path) => path.map((s, i) => (i ? '' : s.from.key) + ` -${s.type}-> ${s.to.key}`).join('');

function row(el, distance, path, extra = {}) {
  return { key: el.key, kind: el.kind, category: el.category, name: el.name, distance, ...extra, path: pathText(path) };
}

/** Loads the result of a view: supporters, impact, path or exposure. */
export async function load(s) {
  switch (s.view) {
    case 'supporters': return supporters(s);
    case 'impact': return impact(s);
    case 'path': return pathView(s);
    case 'exposure': return exposure(s);
  }
  throw new Error('unknown view ' + s.view);
}

async function supporters(s) {
  const d = await gql(`query Sup($m: ID!, $k: ID!, $kinds: [Kind!], $d: Int) {
    element(model: $m, key: $k) { ...E }
    supporters(model: $m, key: $k, kinds: $kinds, maxDepth: $d) { element { ...E } distance ${steps} } } ${E}`,
  { m: s.model, k: s.key, kinds: s.kinds.length ? s.kinds : null, d: s.depth || null });
  const r = result(`Supporters of ${d.element.name}`, d.element);
  addNode(r, d.element, 0, 'start');
  for (const x of d.supporters) {
    addNode(r, x.element, x.distance, 'result');
    // The path ends at the start: the element before step i is (length - i) hops from it.
    addPath(r, x.element.key, x.path, (i) => x.path.length - i);
    r.rows.push(row(x.element, x.distance, x.path));
  }
  r.summary = `${num(d.supporters.length)} supporters`;
  return r;
}

async function impact(s) {
  const d = await gql(`query Imp($m: ID!, $k: ID!, $d: Int, $t: [RelationshipType!]) {
    impact(model: $m, key: $k, maxDepth: $d, relationshipTypes: $t) {
      source { ...E } scope { ...E } affected { element { ...E } distance ${steps} }
      attached { element { key } } counts { kind count } } } ${E}`,
  { m: s.model, k: s.key, d: s.depth || null, t: s.types.length ? s.types : null });
  const im = d.impact;
  const r = result(`Impact of ${im.source.name}`, im.source);
  addNode(r, im.source, 0, 'start');
  for (const x of im.affected) {
    addNode(r, x.element, x.distance, 'result');
    addPath(r, x.element.key, x.path, (i) => i);
    r.rows.push(row(x.element, x.distance, x.path));
  }
  r.summary = `${num(im.affected.length)} affected (${im.counts.map((c) => `${c.count} ${c.kind}`).join(', ')}); ` +
    `scope ${im.scope.length}; ${im.attached.length} attached`;
  return r;
}

async function pathView(s) {
  const d = await gql(`query P($m: ID!, $a: ID!, $b: ID!, $d: Int) {
    from: element(model: $m, key: $a) { ...E } to: element(model: $m, key: $b) { ...E }
    path(model: $m, from: $a, to: $b, maxDepth: $d) { from { ...E } type to { ...E } } } ${E}`,
  { m: s.model, a: s.key, b: s.to, d: s.depth || null });
  const r = result(`Path from ${d.from.name} to ${d.to.name}`, d.from);
  addNode(r, d.from, 0, 'start');
  if (!d.path) {
    r.summary = 'no path within the depth';
    return r;
  }
  addNode(r, d.to, d.path.length, 'result');
  addPath(r, d.to.key, d.path, (i) => i);
  d.path.forEach((st, i) => r.rows.push({ step: i + 1, from: st.from.key, type: st.type, to: st.to.key, toKind: st.to.kind, toName: st.to.name }));
  r.summary = `${d.path.length} steps`;
  return r;
}

async function exposure(s) {
  const x = await analyses.exposure(s.model, s.key, s.depth);
  if (!x) throw new Error('this server does not offer the exposure analysis');
  const r = result(`Exposure to ${x.source.name}`, x.source);
  addNode(r, x.source, 0, 'start');
  const cut = new Set(x.cutOff.map((c) => c.key));
  for (const [status, list] of [['failed', x.failed], ['weakened', x.weakened]]) {
    for (const f of list) {
      addNode(r, f.element, f.distance, 'result');
      addPath(r, f.element.key, f.path, (i) => i);
      r.rows.push(row(f.element, f.distance, f.path, { status: cut.has(f.element.key) ? 'cut off' : status, shareLost: f.shareLost ?? '' }));
    }
  }
  const cur = x.currency ? ' ' + x.currency : '';
  r.summary = `revenue at risk ${num(x.revenueAtRisk.amount)}${cur} (${x.revenueAtRisk.streams.length} streams` +
    `${x.revenueAtRisk.unknownAmounts ? `, ${x.revenueAtRisk.unknownAmounts} without amount` : ''}); ` +
    `revenue weakened ${num(x.revenueWeakened.amount)}${cur}; ${x.failed.length} failed, ${x.weakened.length} weakened`;
  r.revenueAtRisk = x.revenueAtRisk.amount;
  return r;
}

/** The neighbours of one element, for expanding a node: the first 500 each way (a relationship
 * list without first refuses an element with more than 100). */
export async function neighbours(model, key) {
  const d = await gql(`query N($m: ID!, $k: ID!) { element(model: $m, key: $k) {
    outgoing(first: 500) { type to { ...E } } incoming(first: 500) { type from { ...E } } } } ${E}`, { m: model, k: key });
  return d.element;
}

/** Adds the neighbours of node key to result r (one layer further from the start). */
export function addNeighbours(r, key, nb) {
  const n = r.nodes.get(key);
  for (const o of nb.outgoing) {
    addNode(r, o.to, n.distance + 1, 'neighbour');
    const id = `${key} ${o.type} ${o.to.key}`;
    r.edges.set(id, { id, from: key, to: o.to.key, type: o.type });
  }
  for (const i of nb.incoming) {
    addNode(r, i.from, n.distance + 1, 'neighbour');
    const id = `${i.from.key} ${i.type} ${key}`;
    r.edges.set(id, { id, from: i.from.key, to: key, type: i.type });
  }
}
