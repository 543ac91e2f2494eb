// gwagent status page: builds the tables from the `snapshot` event of /events (which names the rows,
// their titles and the gateway columns: the server owns the PV list) and updates single cells from
// `update` events. Values and alarm severities come from the agent's PVs; nothing is polled and the
// page never reloads. EventSource reconnects by itself; the server then sends a fresh snapshot.
'use strict';

const SUMMARY = new Set(['STATUS', 'STATUS_MSG', 'LABEL']);

/** suffix -> element showing it */
let cells = new Map();

function setCell(el, cell) {
  el.textContent = cell[0];
  el.className = `sev-${cell[1]}`;
}

function td(suffix, tr) {
  const el = document.createElement('td');
  el.dataset.pv = suffix;
  cells.set(suffix, el);
  tr.appendChild(el);
  return el;
}

function render(state) {
  cells = new Map();
  document.getElementById('container').textContent = state.container;
  document.title = `${state.container}: gwagent`;
  cells.set('STATUS', document.getElementById('status'));
  cells.set('STATUS_MSG', document.getElementById('status-msg'));
  cells.set('LABEL', document.getElementById('label'));
  const gwBody = document.querySelector('#gateways tbody');
  gwBody.replaceChildren();
  for (const name of state.gateways) {
    const tr = document.createElement('tr');
    tr.id = `gw-${name}`;
    const th = document.createElement('th');
    th.textContent = name;
    tr.appendChild(th);
    for (const col of state.columns) td(`${name}:${col}`, tr);
    gwBody.appendChild(tr);
  }
  const hBody = document.querySelector('#health tbody');
  hBody.replaceChildren();
  for (const suffix of state.health) {
    if (SUMMARY.has(suffix)) continue;
    const tr = document.createElement('tr');
    const th = document.createElement('th');
    th.textContent = state.titles[suffix] ?? suffix;
    tr.appendChild(th);
    td(suffix, tr);
    hBody.appendChild(tr);
  }
  update(state.cells);
}

function update(changed) {
  for (const [suffix, cell] of Object.entries(changed)) {
    const el = cells.get(suffix);
    if (el) setCell(el, cell);
  }
}

function linkState(isUp) {
  const el = document.getElementById('link');
  el.textContent = isUp ? 'live' : 'agent not reachable: retrying…';
  el.className = `link ${isUp ? 'up' : 'down'}`;
  document.body.classList.toggle('stale', !isUp);
}

const source = new EventSource('events');
source.addEventListener('snapshot', (e) => {
  render(JSON.parse(e.data));
  linkState(true);
});
source.addEventListener('update', (e) => update(JSON.parse(e.data)));
source.addEventListener('error', () => linkState(false));
