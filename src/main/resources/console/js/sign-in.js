// Sign-in: posts the token once (never stored), then opens the overview. A browser already signed
// in, or a Hookline whose API has no tokens, goes straight on.
const form = document.getElementById('sign-in-form');
const input = document.getElementById('token');
const button = document.getElementById('sign-in');
const error = document.getElementById('sign-in-error');

if (new URLSearchParams(window.location.search).has('signed-out')) {
  document.getElementById('signed-out').hidden = false;
} else {
  fetch('/console/session', { credentials: 'same-origin', cache: 'no-store' })
    .then(async response => {
      if (response.ok) {
        const session = await response.json();
        if (session.open) {
          document.getElementById('open-api').hidden = false;
        }
        window.location.replace('/console/');
      }
    })
    .catch(() => { /* the form stays; submitting says what is wrong */ });
}

form.addEventListener('submit', async event => {
  event.preventDefault();
  error.textContent = '';
  const token = input.value.trim();
  if (!token) {
    error.textContent = 'Enter an API token.';
    input.focus();
    return;
  }
  button.disabled = true;
  button.textContent = 'Signing in…';
  try {
    const response = await fetch('/console/session', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ token }),
    });
    if (response.status === 204 || response.ok) {
      input.value = '';
      window.location.assign('/console/');
      return;
    }
    let message = `Sign-in failed (HTTP ${response.status}).`;
    try {
      const body = await response.json();
      if (response.status === 401) {
        message = `${capitalize(body.error || 'that token is not valid')}. Check the token and try again.`;
      } else if (body.error) {
        message = `Sign-in failed: ${body.error}.`;
      }
    } catch (e) { /* keep the generic message */ }
    error.textContent = message;
    input.select();
    input.focus();
  } catch (e) {
    error.textContent = 'Hookline did not answer: check that it is running, then try again.';
  } finally {
    button.disabled = false;
    button.textContent = 'Sign in';
  }
});

function capitalize(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
