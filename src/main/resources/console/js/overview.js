// Overview: counts by status, queue depth, oldest pending age, attempts per minute over the last
// hour (an SVG bar chart), receivers with open circuits; refreshed every 5 s.
import { api, el, svg, fill, timeEl, formatAge, errorBox, initPage, poll, STATUSES } from './app.js';

initPage();
const errorArea = document.getElementById('overview-error');
const orgQuery = organizationQuery();

poll(refresh, 5000);

async function refresh() {
  try {
    const overview = await api(`/v1/overview${orgQuery}`);
    render(overview);
    fill(errorArea);
    fill(document.querySelector('[data-testid="last-refreshed"]'), timeEl(new Date().toISOString()));
  } catch (e) {
    fill(errorArea, errorBox(e, 'Refreshing the overview'));
  }
}

function render(overview) {
  for (const status of STATUSES) {
    text(`count-${status}`, (overview.counts?.[status] ?? 0).toLocaleString());
  }
  text('queue-depth', (overview.queueDepth ?? 0).toLocaleString());
  const nonePending = overview.oldestPendingAgeSeconds == null || !overview.counts?.pending;
  text('oldest-pending', nonePending ? 'none' : formatAge(overview.oldestPendingAgeSeconds));
  text('disabled-count', (overview.disabledEndpoints ?? 0).toLocaleString());
  fill(document.getElementById('chart'), chart(overview.perMinute || []));
  renderCircuits(overview.openCircuits || []);
}

function text(testid, value) {
  document.querySelector(`[data-testid="${testid}"]`).textContent = value;
}

function renderCircuits(circuits) {
  const list = document.getElementById('open-circuits');
  if (circuits.length === 0) {
    fill(list, el('li', { class: 'muted', testid: 'empty-state' }, 'Every circuit is closed: no receiver is being held back.'));
    return;
  }
  fill(list, circuits.map(circuit => el('li', { class: 'circuit' },
    el('span', { class: `badge circuit-${circuit.state}` }, circuit.state.replace('_', '-')), ' ',
    el('a', { href: `/console/deliveries.html?origin=${encodeURIComponent(circuit.origin)}&status=pending` }, circuit.origin),
    circuit.until ? el('span', { class: 'muted' }, ' until ', timeEl(circuit.until)) : null)));
}

const WIDTH = 720;
const HEIGHT = 200;
const LEFT = 40;
const BOTTOM = 24;

/** 60 stacked bars (succeeded below, failed above) with a y axis scaled to the busiest minute. */
function chart(perMinute) {
  const max = Math.max(1, ...perMinute.map(m => (m.succeeded || 0) + (m.failed || 0)));
  const total = perMinute.reduce((sum, m) => sum + (m.succeeded || 0) + (m.failed || 0), 0);
  const plotHeight = HEIGHT - BOTTOM - 8;
  const slot = (WIDTH - LEFT) / Math.max(perMinute.length, 1);
  const root = svg('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', class: 'chart', testid: 'per-minute-chart',
    'aria-label': `Attempts per minute over the last hour: ${total} in all, at most ${max} in one minute`,
  });
  const y = value => HEIGHT - BOTTOM - (value / max) * plotHeight;
  for (const value of [0, Math.round(max / 2), max]) {
    root.append(svg('line', { x1: LEFT, x2: WIDTH, y1: y(value), y2: y(value), class: 'grid' }));
    root.append(svg('text', { x: LEFT - 6, y: y(value) + 4, class: 'axis', 'text-anchor': 'end' }, String(value)));
  }
  perMinute.forEach((minute, i) => {
    const x = LEFT + i * slot + 1;
    const ok = minute.succeeded || 0;
    const failed = minute.failed || 0;
    const bar = svg('g', { class: 'bar' },
      svg('title', {}, `${new Date(minute.minute).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}: ${ok} succeeded, ${failed} failed`));
    if (ok > 0) {
      bar.append(svg('rect', { x, width: Math.max(slot - 2, 1), y: y(ok), height: y(0) - y(ok), class: 'ok' }));
    }
    if (failed > 0) {
      bar.append(svg('rect', { x, width: Math.max(slot - 2, 1), y: y(ok + failed), height: y(ok) - y(ok + failed), class: 'failed' }));
    }
    // An invisible full-height target so the hover title works on empty minutes too.
    bar.append(svg('rect', { x, width: Math.max(slot - 2, 1), y: 8, height: plotHeight, class: 'hit' }));
    root.append(bar);
    if (i % 15 === 0 || i === perMinute.length - 1) {
      const last = i === perMinute.length - 1;
      root.append(svg('text', { x: last ? WIDTH : x + slot / 2, y: HEIGHT - 6, class: 'axis', 'text-anchor': last ? 'end' : 'middle' },
        new Date(minute.minute).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })));
    }
  });
  return root;
}

function organizationQuery() {
  const org = new URLSearchParams(window.location.search).get('organizationId');
  return org ? `?organizationId=${encodeURIComponent(org)}` : '';
}
