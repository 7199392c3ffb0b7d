// Delivery list: filters kept in the page's address (so a filtered view can be shared), cursor
// paging, and bulk retry/resend of every match after a confirmation that says how many.
import {
  api, el, fill, timeEl, statusBadge, errorBox, initPage, confirmDialog, FINAL_STATUSES,
} from './app.js';

initPage();
const PAGE_SIZE = 50;
const form = document.getElementById('filters');
const list = document.getElementById('list');
const next = document.querySelector('[data-testid="next-page"]');
const previous = document.querySelector('[data-testid="previous-page"]');
const pageNumber = document.getElementById('page-number');
const bulkResult = document.querySelector('[data-testid="bulk-result"]');
// The `after` cursor of every page shown so far: the last one is this page's.
let cursors = [null];
let nextCursor = null;

const FIELDS = ['status', 'organizationId', 'workflowRunId', 'createdAfter', 'createdBefore', 'origin', 'lastStatusCode',
  'kind'];
const TIME_FIELDS = ['createdAfter', 'createdBefore'];

fillForm(new URLSearchParams(window.location.search));
load();

form.addEventListener('submit', event => {
  event.preventDefault();
  if (!form.reportValidity()) {
    return;
  }
  const query = filterQuery();
  history.replaceState(null, '', `${window.location.pathname}${query.toString() ? `?${query}` : ''}`);
  cursors = [null];
  bulkResult.textContent = '';
  load();
});
document.getElementById('clear-filters').addEventListener('click', () => {
  form.reset();
  form.requestSubmit();
});
next.addEventListener('click', () => {
  cursors.push(nextCursor);
  load();
});
previous.addEventListener('click', () => {
  cursors.pop();
  load();
});
document.querySelector('[data-testid="bulk-retry"]').addEventListener('click', () => bulk('retry'));
document.querySelector('[data-testid="bulk-resend"]').addEventListener('click', () => bulk('resend'));

/** The form's filters as the API's query parameters (times as UTC instants). */
function filterQuery() {
  const query = new URLSearchParams();
  for (const name of FIELDS) {
    const value = form.elements[name].value.trim();
    if (value) {
      query.set(name, TIME_FIELDS.includes(name) ? new Date(value).toISOString() : value);
    }
  }
  return query;
}

function fillForm(query) {
  for (const name of FIELDS) {
    const value = query.get(name);
    if (value) {
      form.elements[name].value = TIME_FIELDS.includes(name) ? toLocalInput(value) : value;
    }
  }
}

/** An instant as a datetime-local value in the browser's zone. */
function toLocalInput(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return '';
  }
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 19);
}

async function load() {
  const query = filterQuery();
  query.set('limit', String(PAGE_SIZE));
  const after = cursors[cursors.length - 1];
  if (after) {
    query.set('after', after);
  }
  list.setAttribute('aria-busy', 'true');
  try {
    const page = await api(`/v1/deliveries?${query}`);
    nextCursor = page.next;
    render(page.items || []);
  } catch (e) {
    nextCursor = null;
    fill(list, errorBox(e, 'Loading deliveries'));
  } finally {
    list.removeAttribute('aria-busy');
    next.disabled = !nextCursor;
    previous.disabled = cursors.length <= 1;
    pageNumber.textContent = `Page ${cursors.length}`;
  }
}

function render(items) {
  if (items.length === 0) {
    const filtered = filterQuery().toString() !== '';
    fill(list, el('div', { class: 'notice', testid: 'empty-state' },
      cursors.length > 1 ? 'No more deliveries: go back a page.'
        : filtered ? 'No delivery matches these filters. Widen them (or clear them) and apply again.'
          : 'No deliveries yet. Create one through the API (POST /v1/deliveries) or the event bus.'));
    return;
  }
  const rows = items.map(item => el('tr', { testid: 'delivery-row' },
    el('td', { 'data-label': 'Created' }, timeEl(item.createdAt)),
    el('td', { 'data-label': 'Status' }, statusBadge(item.status)),
    el('td', { 'data-label': 'Organization' }, String(item.organizationId)),
    el('td', { 'data-label': 'Run' }, String(item.workflowRunId)),
    el('td', { 'data-label': 'Receiver', class: 'url' }, item.origin || item.endpointUrl || '—'),
    el('td', { 'data-label': 'Last code' }, item.lastStatusCode == null ? '—' : String(item.lastStatusCode)),
    el('td', { 'data-label': 'Attempts' }, String(item.attemptCount)),
    el('td', { 'data-label': 'Delivery' },
      el('a', { href: `/console/delivery.html?uuid=${encodeURIComponent(item.deliveryUuid)}`, testid: 'delivery-link',
        class: 'mono', title: item.deliveryUuid }, `${item.deliveryUuid.slice(0, 8)}…`))));
  fill(list, el('div', { class: 'table-wrap' },
    el('table', { class: 'stack' },
      el('caption', { class: 'visually-hidden' }, 'Deliveries matching the filters'),
      el('thead', {}, el('tr', {}, ['Created', 'Status', 'Organization', 'Run', 'Receiver origin', 'Last code', 'Attempts', 'Delivery']
        .map(h => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, rows))));
}

/**
 * Bulk retry (dead letters) or resend (final deliveries) of every match: counts the matches first
 * and asks, then posts the same filters. Hookline's own outcome-event deliveries are acted on only
 * when the kind filter names them, as the API does: the count asks for the same kind.
 */
async function bulk(action) {
  const query = filterQuery();
  const status = query.get('status');
  const kindChosen = query.has('kind');
  if (!kindChosen) {
    query.set('kind', 'delivery');
  }
  bulkResult.textContent = '';
  bulkResult.className = 'result';
  if (action === 'retry' && status && status !== 'dead_letter') {
    return say('Retry applies to dead letters only: set the status filter to "dead letter" or "any".', true);
  }
  if (action === 'resend' && status === 'pending') {
    return say('Pending deliveries are already being sent: resend applies to final ones. Change the status filter.', true);
  }
  let count;
  try {
    count = await countFor(action, query);
  } catch (e) {
    return say(`Counting the matches failed: ${e.message}. Try again.`, true);
  }
  if (count === 0) {
    return say(action === 'retry' ? 'No dead letter matches these filters: nothing to retry.'
      : 'No final delivery matches these filters: nothing to resend.', false);
  }
  const events = query.get('kind') === 'event';
  const nouns = {
    retry: events ? ['dead-lettered outcome event', 'dead-lettered outcome events'] : ['dead letter', 'dead letters'],
    resend: events ? ['final outcome event', 'final outcome events'] : ['final delivery', 'final deliveries'],
  }[action];
  const noun = nouns[count === 1 ? 0 : 1];
  const verb = action === 'retry' ? 'Retry' : 'Resend';
  const yes = await confirmDialog([
    `${verb} `, el('strong', { testid: 'confirm-count' }, count.toLocaleString()), ` ${noun} matching these filters? `,
    action === 'retry' ? 'Each goes back to pending, due now, with a fresh attempt budget.'
      : 'Each is sent again, with the same delivery id, so receivers that dedupe on it may ignore it.',
    kindChosen ? '' : ' Hookline\'s own outcome events are left alone; set Kind to "outcome events" to act on them.',
  ], `${verb} ${count.toLocaleString()}`);
  if (!yes) {
    return say('Nothing was changed.', false);
  }
  const body = {};
  for (const [name, value] of query) {
    body[name] = ['organizationId', 'workflowRunId', 'lastStatusCode'].includes(name) ? Number(value) : value;
  }
  if (action === 'retry') {
    delete body.status;
  }
  try {
    const result = await api(`/v1/deliveries/${action}`, { method: 'POST', body });
    const done = action === 'retry' ? result.retried : result.resent;
    say(`${action === 'retry' ? 'Retried' : 'Resent'} ${done.toLocaleString()} ${done === 1 ? 'delivery' : 'deliveries'}.`, false);
    load();
  } catch (e) {
    say(`${verb} failed: ${e.message}. Nothing may have changed; reload to check.`, true);
  }
}

async function countFor(action, query) {
  const count = async q => (await api(`/v1/deliveries/count?${q}`)).count;
  if (action === 'retry') {
    const q = new URLSearchParams(query);
    q.set('status', 'dead_letter');
    return count(q);
  }
  if (query.get('status')) {
    return count(query);
  }
  // Every final status: the sum of one count per final status.
  const counts = await Promise.all(FINAL_STATUSES.map(status => {
    const q = new URLSearchParams(query);
    q.set('status', status);
    return count(q);
  }));
  return counts.reduce((a, b) => a + b, 0);
}

function say(message, isError) {
  bulkResult.textContent = message;
  bulkResult.className = isError ? 'result error-text' : 'result ok-text';
}
