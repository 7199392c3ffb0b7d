// Shared by every console page: the API client (session cookie + CSRF header), safe DOM building
// (text only, never HTML), times in the browser's zone with UTC on hover, and the page header.

const SIGN_IN = '/console/sign-in.html';
let csrfToken;
let openApi = false;
let organizationId = null;

/** Thrown for any answer but 2xx: carries the status and the server's own message. */
export class ApiError extends Error {
  constructor(status, message, field) {
    super(message);
    this.status = status;
    this.field = field;
  }
}

async function session() {
  if (csrfToken === undefined) {
    const response = await fetch('/console/session', { credentials: 'same-origin', cache: 'no-store' });
    if (response.status === 401) {
      goToSignIn();
    }
    if (!response.ok) {
      throw new ApiError(response.status, `the session could not be read (HTTP ${response.status})`);
    }
    const current = await response.json();
    csrfToken = current.csrfToken ?? null;
    openApi = current.open === true;
    organizationId = current.organizationId ?? null;
  }
  return csrfToken;
}

function goToSignIn() {
  window.location.assign(SIGN_IN);
  throw new ApiError(401, 'not signed in: opening the sign-in page');
}

/**
 * Calls the JSON API with the session cookie. State-changing methods carry the session's CSRF
 * token. A 401 means the session is gone: the browser goes to sign-in.
 */
export async function api(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') {
    const token = await session();
    if (token) {
      headers['X-CSRF-Token'] = token;
    }
  }
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  let response;
  try {
    response = await fetch(path, {
      method, headers, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, 'Hookline did not answer: check that it is running and reachable, then reload.');
  }
  if (response.status === 401 && path !== '/console/session') {
    goToSignIn();
  }
  if (response.status === 204) {
    return null;
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (e) {
    json = null;
  }
  if (!response.ok) {
    const message = json && json.error ? json.error : `HTTP ${response.status}`;
    throw new ApiError(response.status, message, json ? json.field : null);
  }
  return json;
}

/**
 * Builds an element. Children that are strings become text nodes, so nothing from a receiver or a
 * tenant is ever parsed as HTML. {@code attrs} are set with setAttribute ({@code testid} becomes
 * data-testid, {@code text} the textContent).
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  setAttributes(node, attrs);
  append(node, children);
  return node;
}

const SVG = 'http://www.w3.org/2000/svg';

export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  setAttributes(node, attrs);
  append(node, children);
  return node;
}

function setAttributes(node, attrs) {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (name === 'text') {
      node.textContent = String(value);
    } else if (name === 'testid') {
      node.setAttribute('data-testid', value);
    } else if (name === 'class') {
      node.setAttribute('class', value);
    } else {
      node.setAttribute(name, value === true ? '' : String(value));
    }
  }
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) {
      continue;
    }
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

/** A {@code <time>}: the browser's zone on screen, UTC in the title. */
export function timeEl(iso, attrs = {}) {
  if (!iso) {
    return el('span', { class: 'muted', text: '—', ...attrs });
  }
  const date = new Date(iso);
  return el('time', {
    datetime: date.toISOString(),
    title: `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`,
    ...attrs,
  }, date.toLocaleString(undefined, {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }));
}

/** "3h 12m", "45s": an age or duration in seconds, rounded for reading. */
export function formatAge(seconds) {
  if (seconds === null || seconds === undefined) {
    return '—';
  }
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

export const STATUSES = ['pending', 'succeeded', 'dead_letter', 'cancelled', 'expired'];
export const FINAL_STATUSES = ['succeeded', 'dead_letter', 'cancelled', 'expired'];

export function statusLabel(status) {
  return status ? status.replace('_', ' ') : '—';
}

export function statusBadge(status, attrs = {}) {
  return el('span', { class: `badge status-${status}`, ...attrs }, statusLabel(status));
}

/** A message box saying what went wrong and what to do; {@code testid} error-state. */
export function errorBox(error, what) {
  const hint = error.status === 0 ? '' : ' Try again in a moment; if it persists, check Hookline\'s log.';
  return el('div', { class: 'notice error', role: 'alert', testid: 'error-state' },
    el('strong', {}, `${what} failed: `), error.message, hint);
}

/** Wires the header's sign-out button (a DELETE with the CSRF token, then to sign-in), or says no sign-in is needed. */
export function initPage() {
  const signOut = document.querySelector('[data-testid="sign-out"]');
  // With no API tokens configured there is no session to end: say so instead.
  session().then(() => {
    if (openApi && signOut) {
      signOut.replaceWith(el('span', { class: 'who', title: 'http.apiTokens is empty: the API and this console need no sign-in' },
        'Open API, no sign-in'));
    } else if (organizationId !== null && signOut) {
      // A tenant token's session sees one organization only: say which.
      signOut.before(el('span', { class: 'who', testid: 'signed-in-as' }, `Organization ${organizationId}`));
    }
  }).catch(() => { /* the page's own calls report the problem */ });
  if (signOut) {
    signOut.addEventListener('click', async () => {
      signOut.disabled = true;
      try {
        await api('/console/session', { method: 'DELETE' });
      } catch (e) {
        if (e.status !== 401) {
          signOut.disabled = false;
          window.alert(`Signing out failed: ${e.message}`);
          return;
        }
      }
      window.location.assign(`${SIGN_IN}?signed-out`);
    });
  }
}

/** Calls {@code tick} now and every {@code ms} while the page is visible; never overlaps calls. */
export function poll(tick, ms) {
  let timer;
  let running = false;
  const run = async () => {
    clearTimeout(timer);
    if (!running) {
      running = true;
      try {
        await tick();
      } finally {
        running = false;
      }
    }
    timer = setTimeout(run, ms);
  };
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') {
      run();
    } else {
      clearTimeout(timer);
    }
  });
  run();
  return { now: run };
}

/** Opens the page's confirmation {@code <dialog>}; resolves true on "yes". */
export function confirmDialog(message, yesLabel) {
  const dialog = document.querySelector('[data-testid="confirm-dialog"]');
  fill(dialog.querySelector('.confirm-message'), ...message);
  dialog.querySelector('[data-testid="confirm-yes"]').textContent = yesLabel;
  return new Promise(resolve => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'yes'), { once: true });
    dialog.returnValue = '';
    dialog.showModal();
    dialog.querySelector('[data-testid="confirm-no"]').focus();
  });
}
