// The dashboard page: polls /api/state every second and redraws the service map (SVG, laid
// out in columns by hops from the clients) and the tables. Plain browser JavaScript, no
// framework and no build step.

const SVG = 'http://www.w3.org/2000/svg';
const NODE_W = 150;
const NODE_H = 40;
const COL_GAP = 190;
const ROW_GAP = 18;
const SERVICE_PAD = 8;

function el(name, attrs, text) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function cell(row, text, cls) {
  const td = document.createElement('td');
  td.textContent = text === undefined || text === null ? '' : String(text);
  if (cls) td.className = cls;
  row.appendChild(td);
  return td;
}

function fillTable(id, rows, render) {
  const body = document.querySelector(`#${id} tbody`);
  body.replaceChildren();
  for (const r of rows) {
    const tr = document.createElement('tr');
    render(tr, r);
    body.appendChild(tr);
  }
}

function fmtRate(rps) {
  return rps >= 10 ? rps.toFixed(0) : rps.toFixed(1);
}

function fmtPct(x) {
  return `${(x * 100).toFixed(x > 0 && x < 0.01 ? 2 : 1)}%`;
}

function fmtMs(ms) {
  if (ms === null || ms === undefined) return '–';
  return ms >= 100 ? `${ms.toFixed(0)}ms` : `${ms.toFixed(1)}ms`;
}

// Columns by the longest chain of calls from the clients, so every edge points right.
function layout(state) {
  const depth = new Map([['clients', 0]]);
  for (let round = 0; round < state.nodes.length; round++) {
    let moved = false;
    for (const e of state.edges) {
      const d = depth.get(e.from);
      if (d === undefined || e.from === e.to) continue;
      if ((depth.get(e.to) ?? -1) < d + 1) {
        depth.set(e.to, d + 1);
        moved = true;
      }
    }
    if (!moved) break;
  }
  let maxDepth = 0;
  for (const d of depth.values()) maxDepth = Math.max(maxDepth, d);
  for (const n of state.nodes) if (!depth.has(n.id)) depth.set(n.id, maxDepth + 1);
  // Versions of a service share a column (the deepest of them) so they sit in one box.
  const serviceDepth = new Map();
  for (const n of state.nodes) {
    if (n.kind !== 'version') continue;
    serviceDepth.set(n.service, Math.max(serviceDepth.get(n.service) ?? 0, depth.get(n.id)));
  }
  const columns = new Map();
  for (const n of state.nodes) {
    const d = n.kind === 'version' ? serviceDepth.get(n.service) : depth.get(n.id);
    if (!columns.has(d)) columns.set(d, []);
    columns.get(d).push(n);
  }
  const pos = new Map();
  const boxes = [];
  let height = 0;
  for (const [d, nodes] of [...columns].sort((a, b) => a[0] - b[0])) {
    const x = 20 + d * (NODE_W + COL_GAP);
    let y = 30;
    let service;
    let box;
    for (const n of nodes) {
      if (n.kind === 'version' && n.service !== service) {
        service = n.service;
        y += 18;
        box = { service, x: x - SERVICE_PAD, y: y - 18 - SERVICE_PAD + 4, h: 0 };
        boxes.push(box);
      } else if (n.kind !== 'version') {
        service = undefined;
        box = undefined;
      }
      pos.set(n.id, { x, y });
      y += NODE_H + ROW_GAP;
      if (box) box.h = y - ROW_GAP + SERVICE_PAD - box.y;
      if (n.kind === 'version' && nodes[nodes.indexOf(n) + 1]?.service !== n.service) y += SERVICE_PAD;
    }
    height = Math.max(height, y);
  }
  return { pos, boxes, width: 40 + (Math.max(...columns.keys()) + 1) * (NODE_W + COL_GAP), height: height + 10 };
}

function drawMap(state) {
  const svg = document.getElementById('map');
  const { pos, boxes, width, height } = layout(state);
  svg.setAttribute('viewBox', `0 0 ${Math.max(width, 600)} ${Math.max(height, 200)}`);
  svg.replaceChildren();
  for (const b of boxes) {
    const g = el('g', { class: 'service', 'data-service': b.service });
    g.appendChild(
      el('rect', { class: 'service-box', x: b.x, y: b.y, width: NODE_W + 2 * SERVICE_PAD, height: b.h, rx: 8 }),
    );
    g.appendChild(el('text', { class: 'service-label', x: b.x + SERVICE_PAD, y: b.y + 14 }, b.service));
    svg.appendChild(g);
  }
  const edges = el('g', { class: 'edges' });
  svg.appendChild(edges);
  const intoTarget = new Map();
  for (const e of state.edges) {
    const a = pos.get(e.from);
    const b = pos.get(e.to);
    if (!a || !b) continue;
    const x1 = a.x + NODE_W;
    const y1 = a.y + NODE_H / 2;
    const x2 = b.x;
    const y2 = b.y + NODE_H / 2;
    const mid = (x1 + x2) / 2;
    const cls = ['edge', e.rps > 0 ? 'active' : '', e.errorRate > 0.05 ? 'failing' : ''].join(' ').trim();
    const g = el('g', { class: cls, 'data-edge': `${e.from}->${e.to}` });
    g.appendChild(
      el('path', { d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`, 'marker-end': 'url(#arrow)' }),
    );
    // Labels sit near the target end, where fanned-out edges are furthest apart.
    const nth = intoTarget.get(e.to) ?? 0;
    intoTarget.set(e.to, nth + 1);
    const label = el('text', { x: x2 - 8, y: y2 - 6 - nth * 13, 'text-anchor': 'end' });
    const weight = e.weight !== undefined && e.weight < 100 ? `${e.weight}% · ` : '';
    label.appendChild(el('tspan', { class: 'rps', 'data-rps': e.rps.toFixed(3) }, `${weight}${fmtRate(e.rps)} rps`));
    label.appendChild(
      el('tspan', { class: 'err', 'data-error-rate': e.errorRate.toFixed(4) }, ` · ${fmtPct(e.errorRate)} err`),
    );
    label.appendChild(el('tspan', { class: 'p99', 'data-p99': e.p99 ?? '' }, ` · p99 ${fmtMs(e.p99)}`));
    g.appendChild(label);
    g.appendChild(el('title', {}, `${e.from} → ${e.to}: ${e.total} requests, ${e.retries} retries`));
    edges.appendChild(g);
  }
  const defs = el('defs');
  const marker = el('marker', {
    id: 'arrow',
    viewBox: '0 0 10 10',
    refX: 10,
    refY: 5,
    markerWidth: 7,
    markerHeight: 7,
    orient: 'auto',
  });
  marker.appendChild(el('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#9aa8b8' }));
  defs.appendChild(marker);
  svg.appendChild(defs);
  for (const n of state.nodes) {
    const p = pos.get(n.id);
    const g = el('g', {
      class: `node ${n.kind} ${n.health}`,
      'data-node': n.id,
      transform: `translate(${p.x},${p.y})`,
    });
    g.appendChild(el('rect', { width: NODE_W, height: NODE_H, rx: 6 }));
    const title = n.kind === 'version' ? n.version : n.id;
    g.appendChild(el('text', { x: 10, y: 16 }, n.kind === 'gateway' ? `⇢ ${title}` : title));
    const ports = n.ports
      ? [n.ports.proxy && `proxy :${n.ports.proxy}`, n.ports.app && `app :${n.ports.app}`].filter(Boolean).join('  ')
      : 'outside the mesh';
    g.appendChild(el('text', { class: 'ports', x: 10, y: 31 }, ports));
    g.appendChild(el('title', {}, `${n.id} (${n.health})`));
    svg.appendChild(g);
  }
}

function render(state) {
  document.getElementById('mesh-name').textContent = `· ${state.mesh.name}`;
  const totalRps = state.edges.filter((e) => e.from === 'clients').reduce((n, e) => n + e.rps, 0);
  document.getElementById('summary').textContent =
    `${state.mesh.file} · config generation ${state.mesh.generation} · ${state.proxies.length} proxies · ` +
    `${fmtRate(totalRps)} rps in · updated ${new Date(state.at).toLocaleTimeString()}`;
  drawMap(state);
  fillTable('routes', state.routes, (tr, r) => {
    cell(tr, r.owner);
    cell(tr, r.name);
    cell(tr, r.match, 'wrap');
    cell(tr, r.to, 'wrap');
    cell(tr, r.policy);
  });
  fillTable('proxies', state.proxies, (tr, p) => {
    cell(tr, p.name);
    cell(tr, p.snapshotVersion ? p.snapshotVersion.slice(0, 12) : '–');
    cell(tr, p.nack ? `NACKED: ${p.nack}` : p.state, p.state);
    cell(
      tr,
      Object.entries(p.ackedVersions)
        .map(([t, v]) => `${t} ${v ? v.slice(0, 8) : '–'}`)
        .join(' '),
    );
    cell(tr, p.adminPort);
  });
  fillTable('endpoints', state.endpoints, (tr, e) => {
    cell(tr, e.service);
    cell(tr, e.version);
    cell(tr, e.instanceId);
    cell(tr, `${e.address}:${e.port}`);
    cell(tr, e.health, e.health);
  });
  const events = document.getElementById('events');
  events.replaceChildren();
  for (const ev of [...state.events].reverse()) {
    const li = document.createElement('li');
    li.className = ev.level;
    li.textContent = `${new Date(ev.at).toLocaleTimeString()} ${ev.message}`;
    events.appendChild(li);
  }
  document.body.dataset.updated = String(state.at);
}

async function poll() {
  try {
    const res = await fetch('/api/state', { cache: 'no-store' });
    if (res.ok) render(await res.json());
    else document.getElementById('summary').textContent = `control plane answered ${res.status}`;
  } catch (e) {
    document.getElementById('summary').textContent = `control plane unreachable (${e.message}); retrying`;
  }
  setTimeout(poll, 1000);
}

poll();
