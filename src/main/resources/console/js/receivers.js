// Receivers: per-origin health over the last hour (success rate, circuit, in flight) and the
// endpoints disabled after a 410 Gone, each with a button to enable it again. Refreshed every 10 s.
import { api, el, fill, timeEl, errorBox, initPage, poll, confirmDialog } from './app.js';

initPage();
const errorArea = document.getElementById('receivers-error');
const result = document.querySelector('[data-testid="action-result"]');

poll(refresh, 10000);

async function refresh() {
  try {
    const [origins, disabled] = await Promise.all([api('/v1/origins'), allDisabled()]);
    renderOrigins(origins.items || []);
    renderDisabled(disabled);
    fill(errorArea);
    fill(document.getElementById('last-refreshed'), timeEl(new Date().toISOString()));
  } catch (e) {
    fill(errorArea, errorBox(e, 'Loading receivers'));
  }
}

/** Every disabled endpoint, page by page (there are few: each is a receiver that said 410). */
async function allDisabled() {
  const items = [];
  let after = null;
  do {
    const page = await api(`/v1/endpoints/disabled?limit=500${after ? `&after=${encodeURIComponent(after)}` : ''}`);
    items.push(...(page.items || []));
    after = page.next;
  } while (after && items.length < 5000);
  return items;
}

function renderOrigins(items) {
  const area = document.getElementById('origins');
  if (items.length === 0) {
    fill(area, el('p', { class: 'notice', testid: 'empty-state' },
      'No attempt in the last hour. Origins appear here once deliveries are sent to them.'));
    return;
  }
  fill(area, el('div', { class: 'table-wrap' }, el('table', { class: 'stack' },
    el('caption', { class: 'visually-hidden' }, 'Receiver origins, busiest first'),
    el('thead', {}, el('tr', {}, ['Origin', 'Success rate', 'Attempts', 'Last code', 'Circuit', 'In flight (this worker)']
      .map(h => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, items.map(o => el('tr', { testid: 'origin-row' },
      el('td', { 'data-label': 'Origin', class: 'url' },
        el('a', { href: `/console/deliveries.html?origin=${encodeURIComponent(o.origin)}`, testid: 'origin-name' }, o.origin)),
      el('td', { 'data-label': 'Success rate', testid: 'origin-success-rate', class: rateClass(o.successRate) },
        o.successRate == null ? '—' : `${Math.round(o.successRate * 100)} %`),
      el('td', { 'data-label': 'Attempts' }, `${o.succeededLastHour} of ${o.attemptsLastHour} succeeded`),
      el('td', { 'data-label': 'Last code' }, o.lastStatusCode == null ? '—' : String(o.lastStatusCode)),
      el('td', { 'data-label': 'Circuit' },
        el('span', { class: `badge circuit-${o.circuit}`, testid: 'origin-circuit' }, o.circuit.replace('_', '-'))),
      el('td', { 'data-label': 'In flight', testid: 'origin-in-flight' }, String(o.inFlight ?? 0))))))));
}

function rateClass(rate) {
  if (rate == null) return '';
  return rate >= 0.95 ? 'ok-text' : rate >= 0.5 ? 'warn-text' : 'error-text';
}

function renderDisabled(items) {
  const area = document.getElementById('disabled-list');
  if (items.length === 0) {
    fill(area, el('p', { class: 'notice', testid: 'empty-state' }, 'No endpoint is disabled.'));
    return;
  }
  fill(area, el('div', { class: 'table-wrap' }, el('table', { class: 'stack' },
    el('caption', { class: 'visually-hidden' }, 'Disabled endpoints'),
    el('thead', {}, el('tr', {}, ['Endpoint', 'Organization', 'Disabled', 'Why', ''].map(h => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, items.map(d => el('tr', { testid: 'disabled-row' },
      el('td', { 'data-label': 'Endpoint', class: 'url', testid: 'disabled-url' }, d.endpointUrl),
      el('td', { 'data-label': 'Organization' }, String(d.organizationId)),
      el('td', { 'data-label': 'Disabled' }, timeEl(d.disabledAt)),
      el('td', { 'data-label': 'Why' }, el('span', {}, d.reason || (d.statusCode ? `HTTP ${d.statusCode}` : '—'),
        d.deliveryUuid ? [' (', el('a', { href: `/console/delivery.html?uuid=${encodeURIComponent(d.deliveryUuid)}` }, 'the delivery'), ')'] : '')),
      el('td', { 'data-label': '' }, enableButton(d))))))));
}

function enableButton(d) {
  const button = el('button', { type: 'button', testid: 'enable-endpoint', class: 'primary' }, 'Enable');
  button.setAttribute('aria-label', `Enable ${d.endpointUrl} for organization ${d.organizationId}`);
  button.addEventListener('click', async () => {
    const yes = await confirmDialog(['Enable ', el('code', {}, d.endpointUrl), ` again for organization ${d.organizationId}? `,
      'New deliveries to it will be sent; the ones cancelled while it was disabled stay cancelled (resend them from the list).'], 'Enable');
    if (!yes) {
      return;
    }
    button.disabled = true;
    try {
      await api('/v1/endpoints/enable', { method: 'POST', body: { organizationId: d.organizationId, endpointUrl: d.endpointUrl } });
      result.className = 'result ok-text';
      result.textContent = `Enabled ${d.endpointUrl} for organization ${d.organizationId}.`;
    } catch (e) {
      button.disabled = false;
      result.className = 'result error-text';
      result.textContent = `Enabling failed: ${e.message}.`;
    }
    refresh();
  });
  return button;
}
