// The explorer: reads the view from the URL, renders it, and keeps the URL in step so every
// view can be shared.
import { gql } from './api.js';
import { h, fill } from './dom.js';
import * as state from './state.js';
import { home } from './home.js';
import { canvas } from './canvas.js';
import { showDetails } from './details.js';
import { load, neighbours, addNeighbours } from './views.js';
import { Graph, legend } from './graph.js';
import { table } from './table.js';

const view = document.getElementById('view');
const details = document.getElementById('details');
const picker = document.getElementById('model-picker');
let current = state.read();

/** Opens a view: changes of s merged into the current state, pushed to the history. */
function go(change) {
  const next = { ...current, ...change };
  if (change.view && change.view !== current.view && !('form' in change)) next.form = 'graph';
  history.pushState(null, '', state.href(next));
  render();
}

window.addEventListener('popstate', render);

async function pickModels() {
  const d = await gql('{ models { key name } }');
  fill(picker, d.models.map((m) => h('option', { value: m.key }, m.name)));
  if (!current.model && d.models.length) {
    current.model = d.models[0].key;
    history.replaceState(null, '', state.href(current));
  }
  picker.value = current.model;
  picker.onchange = () => go({ model: picker.value, view: 'home', key: '', to: '' });
}

function nav() {
  for (const a of document.querySelectorAll('#nav a')) {
    a.classList.toggle('active', a.dataset.view === current.view);
    a.href = state.href({ ...current, view: a.dataset.view });
    a.onclick = (ev) => { ev.preventDefault(); go({ view: a.dataset.view }); };
  }
}

async function render() {
  current = state.read();
  nav();
  if (!current.model) return fill(view, h('p', {}, 'No model on this server yet.'));
  view.dataset.view = current.view;
  view.dataset.state = 'loading';
  try {
    fill(view, await body());
    view.dataset.state = 'ready';
  } catch (err) {
    fill(view, h('p', { class: 'error', id: 'view-error' }, err.message));
    view.dataset.state = 'error';
  }
}

const pick = (key) => showDetails(details, current.model, key, go);

async function body() {
  switch (current.view) {
    case 'home': return home(current.model);
    case 'canvas': return canvas(current.model, pick);
    default: return graphView();
  }
}

/** A form to name the element (and for a path, the target) and the depth of a graph view. */
function argsForm() {
  const key = h('input', { type: 'text', id: 'arg-key', value: current.key, placeholder: 'element key' });
  const to = current.view === 'path' ? h('input', { type: 'text', id: 'arg-to', value: current.to, placeholder: 'to key' }) : null;
  const depth = h('input', { type: 'number', id: 'arg-depth', min: 1, max: 10, value: current.depth || 6 });
  return h('form', { class: 'toolbar', onsubmit: (ev) => {
    ev.preventDefault();
    go({ key: key.value.trim(), to: to ? to.value.trim() : current.to, depth: Number(depth.value) === 6 ? 0 : Number(depth.value) });
  } }, h('label', {}, current.view === 'path' ? 'From ' : 'Element ', key), to ? h('label', {}, 'To ', to) : null,
  h('label', {}, 'Depth ', depth), h('button', { type: 'submit' }, 'Show'));
}

async function graphView() {
  if (!current.key || (current.view === 'path' && !current.to)) {
    return h('div', {}, argsForm(), h('p', {}, 'Name an element, or pick one on the canvas.'));
  }
  const r = await load(current);
  const name = [current.view, current.model, current.key, current.to].filter(Boolean).join('-');
  const formToggle = h('button', { id: 'toggle-form', onclick: () => go({ form: current.form === 'table' ? 'graph' : 'table' }) },
    current.form === 'table' ? 'Show graph' : 'Show table');
  const head = [argsForm(), h('h2', {}, r.title), h('p', { id: 'summary' }, r.summary), formToggle];
  if (current.form === 'table') return h('div', {}, head, table(r.rows, name));
  const container = h('div', { id: 'graph' });
  const g = new Graph(container, r, async (key) => {
    pick(key);
    if (key === r.start) return;
    addNeighbours(r, key, await neighbours(current.model, key));
    g.draw();
  });
  window.explorerGraph = g; // the graph on screen, for the browser tests and the console
  // Drawn once the container is in the page (cytoscape measures it).
  queueMicrotask(() => requestAnimationFrame(() => g.draw()));
  const wrap = h('div', {}, head, legend(), g.filters(), container);
  return wrap;
}

pickModels().then(render, (err) => fill(view, h('p', { class: 'error' }, err.message)));
