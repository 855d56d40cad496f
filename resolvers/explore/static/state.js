// The view shown is described by the query string, so every view has a shareable URL:
// ?model=M&view=V&key=K[&to=B][&depth=D][&kinds=A,B][&types=T,U][&form=table].

const listParams = ['kinds', 'types'];

/** Reads the view from the current URL. */
export function read() {
  const q = new URLSearchParams(location.search);
  const s = {
    model: q.get('model') || '',
    view: q.get('view') || 'home',
    key: q.get('key') || '',
    to: q.get('to') || '',
    depth: q.get('depth') ? Number(q.get('depth')) : 0,
    form: q.get('form') === 'table' ? 'table' : 'graph',
  };
  for (const p of listParams) s[p] = q.get(p) ? q.get(p).split(',').filter(Boolean) : [];
  return s;
}

/** The URL of a view. */
export function href(s) {
  const q = new URLSearchParams();
  if (s.model) q.set('model', s.model);
  if (s.view && s.view !== 'home') q.set('view', s.view);
  if (s.key) q.set('key', s.key);
  if (s.to) q.set('to', s.to);
  if (s.depth) q.set('depth', String(s.depth));
  for (const p of listParams) if (s[p] && s[p].length) q.set(p, s[p].join(','));
  if (s.form === 'table') q.set('form', 'table');
  const qs = q.toString();
  return location.pathname + (qs ? '?' + qs : '');
}
