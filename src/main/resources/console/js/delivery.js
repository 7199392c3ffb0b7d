// One delivery: its state, actions, the attempt log as a timeline (each receiver answer shown as
// text), and the request as sent. Polls every 3 s and adds an attempt when one lands.
import {
  api, el, fill, timeEl, statusLabel, errorBox, initPage, poll, confirmDialog, FINAL_STATUSES,
} from './app.js';

initPage();
const uuid = new URLSearchParams(window.location.search).get('uuid') || '';
const errorArea = document.getElementById('delivery-error');
const result = document.querySelector('[data-testid="action-result"]');
const buttons = {
  retry: document.querySelector('[data-testid="action-retry"]'),
  resend: document.querySelector('[data-testid="action-resend"]'),
  cancel: document.querySelector('[data-testid="action-cancel"]'),
};
let shownAttempts = -1;
let requestShown = false;
let current = null;

document.getElementById('uuid').textContent = uuid;
if (!/^[0-9a-fA-F-]{36}$/.test(uuid)) {
  fill(errorArea, el('div', { class: 'notice error', role: 'alert', testid: 'error-state' },
    'This page needs a delivery uuid in its address (delivery.html?uuid=…). Open a delivery from the list.'));
} else {
  const poller = poll(refresh, 3000);
  buttons.retry.addEventListener('click', () => act('retry', poller));
  buttons.resend.addEventListener('click', () => act('resend', poller));
  buttons.cancel.addEventListener('click', () => act('cancel', poller));
}

async function refresh() {
  try {
    const [delivery, attempts] = await Promise.all([
      api(`/v1/deliveries/${uuid}`),
      api(`/v1/deliveries/${uuid}/attempts`),
    ]);
    current = delivery;
    renderSummary(delivery);
    renderAttempts(attempts.items || []);
    if (!requestShown) {
      requestShown = true;
      renderPayload(delivery.payload);
      loadRequest();
    }
    fill(errorArea);
  } catch (e) {
    fill(errorArea, e.status === 404
      ? el('div', { class: 'notice error', role: 'alert', testid: 'error-state' },
        'No delivery has this uuid (or it belongs to another organization). Check the address, or find it in the list.')
      : errorBox(e, 'Loading the delivery'));
  }
}

function renderSummary(d) {
  const status = document.querySelector('[data-testid="delivery-status"]');
  status.textContent = statusLabel(d.status);
  status.className = `badge status-${d.status}`;
  document.querySelector('[data-testid="delivery-attempt-count"]').textContent =
    `${d.attemptCount} of ${d.maxAttempts}`;
  const facts = document.getElementById('facts');
  facts.querySelectorAll('.extra').forEach(node => node.remove());
  const fact = (name, ...value) => facts.append(el('div', { class: 'extra' }, el('dt', {}, name), el('dd', {}, ...value)));
  fact('Organization', String(d.organizationId));
  fact('Workflow run', String(d.workflowRunId));
  fact('Webhook', d.webhookName || '—', ' ', el('span', { class: 'muted' }, `(node ${d.webhookNodeId})`));
  fact('Endpoint', el('span', { class: 'url' }, `${d.httpMethod} ${d.endpointUrl}`));
  fact('Created', timeEl(d.createdAt));
  if (d.status === 'pending') {
    fact('Next attempt', timeEl(d.scheduledFor));
  }
  if (d.lastError) {
    fact('Last error', d.lastError);
  } else if (d.lastStatusCode != null) {
    fact('Last result', `HTTP ${d.lastStatusCode}`);
  }
  if (d.expiresAt) {
    fact('Expires', timeEl(d.expiresAt));
  }
  buttons.retry.disabled = d.status !== 'dead_letter';
  buttons.resend.disabled = !FINAL_STATUSES.includes(d.status);
  buttons.cancel.disabled = d.status !== 'pending';
}

function renderAttempts(items) {
  document.getElementById('attempts-empty').hidden = items.length > 0;
  if (items.length === shownAttempts) {
    return;
  }
  const list = document.getElementById('attempts');
  const sorted = [...items].sort((a, b) => b.attempt - a.attempt);
  const arrived = shownAttempts < 0 ? 0 : items.length - shownAttempts;
  fill(list, sorted.map((a, index) => el('li', {
    testid: 'attempt', class: `attempt outcome-${a.outcome}${index < arrived ? ' new' : ''}`,
  },
  el('div', { class: 'attempt-head' },
    el('strong', {}, `Attempt ${a.attempt}`), ' ',
    el('span', { class: `badge outcome-${a.outcome}`, testid: 'attempt-outcome' }, statusLabel(a.outcome)), ' ',
    timeEl(a.startedAt)),
  el('dl', { class: 'facts compact' },
    el('div', {}, el('dt', {}, 'Status'), el('dd', { testid: 'attempt-status' }, a.statusCode == null ? 'no answer' : String(a.statusCode))),
    el('div', {}, el('dt', {}, 'Latency'), el('dd', { testid: 'attempt-latency' }, a.durationMs == null ? '—' : `${a.durationMs} ms`)),
    el('div', {}, el('dt', {}, 'Error'), el('dd', { testid: 'attempt-error' },
      a.errorMessage ? `${a.errorClass ? `${a.errorClass}: ` : ''}${a.errorMessage}` : (a.errorClass || '—'))),
    a.responseRetryAfter ? el('div', {}, el('dt', {}, 'Retry-After'), el('dd', {}, a.responseRetryAfter)) : null),
  el('details', { open: true },
    el('summary', {}, 'Receiver\'s answer', a.responseContentType ? ` (${a.responseContentType})` : '', ', first 4 KiB'),
    el('pre', { testid: 'attempt-response', tabindex: '0' }, a.responseBody ? a.responseBody : '(empty)')))));
  shownAttempts = items.length;
}

function renderPayload(payload) {
  let text = payload ?? '';
  try {
    text = JSON.stringify(JSON.parse(payload), null, 2);
  } catch (e) { /* shown as stored */ }
  document.getElementById('payload').textContent = text || '(empty)';
}

async function loadRequest() {
  const body = document.getElementById('request-headers');
  try {
    const request = await api(`/v1/deliveries/${uuid}/request`);
    fill(document.getElementById('request-line'), el('code', {}, `${request.method} ${request.url}`));
    fill(body, (request.headers || []).map(h => el('tr', {},
      el('th', { scope: 'row' }, h.name), el('td', { class: h.value === '********' ? 'masked' : '' }, h.value))));
    if (request.body != null) {
      renderPayload(request.body);
    }
  } catch (e) {
    fill(body, el('tr', {}, el('td', { colspan: '2' }, `The request could not be rebuilt: ${e.message}.`)));
  }
}

async function act(action, poller) {
  const labels = { retry: 'Retry', resend: 'Resend', cancel: 'Cancel delivery' };
  if (action === 'cancel' || action === 'resend') {
    const message = action === 'cancel'
      ? ['Cancel this delivery? It will never be sent again (an attempt already on the wire still finishes).']
      : ['Send this delivery again? It keeps its delivery id, so a receiver that dedupes on it may ignore it.'];
    if (!await confirmDialog(message, labels[action])) {
      return;
    }
  }
  Object.values(buttons).forEach(b => { b.disabled = true; });
  result.className = 'result';
  result.textContent = `${labels[action]}…`;
  try {
    await api(`/v1/deliveries/${uuid}/${action}`, { method: 'POST' });
    result.className = 'result ok-text';
    result.textContent = action === 'cancel' ? 'Cancelled.' : 'Queued: it is due now, and the new attempt will show here.';
  } catch (e) {
    result.className = 'result error-text';
    result.textContent = `${labels[action]} failed: ${e.message}.`;
  }
  poller.now();
}
