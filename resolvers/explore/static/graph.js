// Draws a result as a layered graph with cytoscape.js and its dagre layout: distance is the
// layer, colours show categories, edge labels relationship types. Hovering a node highlights its
// shortest path from the start, clicking expands its neighbours (or an aggregate node's members).
// Beyond maxNodes the results are grouped into aggregate nodes by kind and distance.
import cytoscape from './vendor/cytoscape-3.35.0.esm.min.js';
import dagre from './vendor/cytoscape-dagre-4.0.1.min.js';
import { h, fill } from './dom.js';

cytoscape.use(dagre);

/** More nodes than this are grouped by kind and distance. */
export const maxNodes = 300;

const colours = { CANVAS: '#3b82f6', OPERATING: '#16a34a', FUNCTION: '#9333ea', STAKEHOLDER: '#ea580c', GROUP: '#64748b' };

const style = [
  { selector: 'node', style: { 'background-color': (n) => colours[n.data('category')] || '#999', label: 'data(label)',
    'font-size': 10, 'text-valign': 'bottom', 'text-margin-y': 3, width: 18, height: 18, 'text-wrap': 'ellipsis', 'text-max-width': 140 } },
  { selector: 'node.start', style: { 'border-width': 4, 'border-color': '#111', width: 26, height: 26 } },
  { selector: 'node.group', style: { shape: 'round-rectangle', width: 60, height: 28, 'text-valign': 'center', color: '#fff', 'font-size': 11 } },
  { selector: 'node.neighbour', style: { opacity: 0.7 } },
  { selector: 'edge', style: { width: 1.2, 'line-color': '#9aa3af', 'target-arrow-color': '#9aa3af', 'target-arrow-shape': 'triangle',
    'curve-style': 'bezier', label: 'data(type)', 'font-size': 7, color: '#55606e', 'text-rotation': 'autorotate' } },
  { selector: '.hl', style: { 'line-color': '#dc2626', 'target-arrow-color': '#dc2626', width: 3, 'border-width': 3, 'border-color': '#dc2626', 'z-index': 10 } },
  { selector: '.hidden', style: { display: 'none' } },
];

/**
 * A drawn result. onNode(key) runs when a real node is clicked (to expand it and show details).
 */
export class Graph {
  constructor(container, result, onNode) {
    this.container = container;
    this.r = result;
    this.onNode = onNode;
    this.expanded = new Set(); // aggregate groups opened by a click
    this.hiddenKinds = new Set();
    this.hiddenTypes = new Set();
  }

  groupOf(n) {
    return `g:${n.kind}:${n.distance}`;
  }

  /** The elements to draw: nodes (aggregated when there are too many) and their edges. */
  elements() {
    const grouping = this.r.nodes.size > maxNodes;
    const groups = new Map();
    const place = new Map(); // element key -> drawn node id
    const out = [];
    for (const n of this.r.nodes.values()) {
      const g = this.groupOf(n);
      if (grouping && n.role !== 'start' && !this.expanded.has(g)) {
        if (!groups.has(g)) groups.set(g, { id: g, kind: n.kind, distance: n.distance, count: 0 });
        groups.get(g).count++;
        place.set(n.key, g);
        continue;
      }
      place.set(n.key, n.key);
      out.push({ group: 'nodes', classes: n.role, data: { id: n.key, label: n.name, kind: n.kind, category: n.category, distance: n.distance } });
    }
    for (const g of groups.values()) {
      out.push({ group: 'nodes', classes: 'group', data: { id: g.id, label: `${g.count} ${g.kind}`, kind: g.kind, category: 'GROUP', distance: g.distance, count: g.count } });
    }
    const seen = new Set();
    for (const e of this.r.edges.values()) {
      const a = place.get(e.from), b = place.get(e.to);
      const id = `${a} ${e.type} ${b}`;
      if (a === b || seen.has(id)) continue;
      seen.add(id);
      out.push({ group: 'edges', data: { id, source: a, target: b, type: e.type } });
    }
    return out;
  }

  /** Draws (or redraws) the graph. */
  draw() {
    if (this.cy) this.cy.destroy();
    this.container.dataset.state = 'drawing';
    const cy = cytoscape({ container: this.container, elements: this.elements(), style, wheelSensitivity: 0.3, minZoom: 0.05 });
    this.cy = cy;
    cy.on('mouseover', 'node', (ev) => this.highlight(ev.target.id()));
    cy.on('mouseout', 'node', () => cy.elements().removeClass('hl'));
    cy.on('tap', 'node', (ev) => this.tap(ev.target));
    this.applyFilters();
    const layout = cy.layout({ name: 'dagre', rankDir: 'LR', nodeSep: 8, rankSep: 90, animate: false });
    layout.on('layoutstop', () => {
      this.container.dataset.nodes = String(cy.nodes().length);
      this.container.dataset.edges = String(cy.edges().length);
      this.container.dataset.groups = String(cy.nodes('.group').length);
      this.container.dataset.state = 'ready';
    });
    layout.run();
  }

  tap(node) {
    if (node.hasClass('group')) {
      this.expanded.add(node.id());
      this.draw();
      return;
    }
    this.onNode(node.id());
  }

  /** Highlights the start's shortest path to key (the one the answer gives). */
  highlight(key) {
    const ids = this.r.paths.get(key) || [];
    for (const id of ids) {
      const e = this.r.edges.get(id);
      this.cy.getElementById(e.from).addClass('hl');
      this.cy.getElementById(e.to).addClass('hl');
      this.cy.edges().filter((x) => x.data('source') === e.from && x.data('target') === e.to && x.data('type') === e.type).addClass('hl');
    }
  }

  applyFilters() {
    this.cy.nodes().forEach((n) => n.toggleClass('hidden', this.hiddenKinds.has(n.data('kind')) && !n.hasClass('start')));
    this.cy.edges().forEach((e) => e.toggleClass('hidden', this.hiddenTypes.has(e.data('type'))));
  }

  /** Checkboxes that hide kinds and relationship types. */
  filters() {
    const kinds = [...new Set([...this.r.nodes.values()].map((n) => n.kind))].sort();
    const types = [...new Set([...this.r.edges.values()].map((e) => e.type))].sort();
    const box = (set, value, name) => h('label', {}, h('input', { type: 'checkbox', checked: !set.has(value), dataset: { filter: name, value },
      onchange: (ev) => { ev.target.checked ? set.delete(value) : set.add(value); this.applyFilters(); } }), value);
    return h('div', { class: 'filters' },
      h('fieldset', {}, h('legend', {}, 'Kinds'), kinds.map((k) => box(this.hiddenKinds, k, 'kind'))),
      h('fieldset', {}, h('legend', {}, 'Relationship types'), types.map((t) => box(this.hiddenTypes, t, 'type'))));
  }
}

/** A legend of the category colours. */
export function legend() {
  return h('div', { class: 'legend' }, Object.keys(colours).map((c) => h('span', {}, h('i', { class: 'cat-' + c }), c === 'GROUP' ? 'group (click to open)' : c)));
}

export { fill };
