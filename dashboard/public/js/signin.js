// The sign-in of the protected parts (Recent orders, the Data and Loads pages): the
// username + password form and the pasted-token form, the "signed in as" line, and the
// notices for a signed-out visitor and a refused token. The session itself is auth.js's.
import { signIn, signOut, session, usePastedToken } from './auth.js';
import { el, newId, replace } from './dom.js';

/** The two sign-in forms side by side; onSignedIn() runs after either one succeeds. */
export function signInForms(onSignedIn) {
  const userId = newId('user');
  const passId = newId('pass');
  const tokenId = newId('token');
  const loginError = el('p', { class: 'form-error', role: 'alert', hidden: true });
  const tokenError = el('p', { class: 'form-error', role: 'alert', hidden: true });
  const username = el('input', { id: userId, name: 'username', autocomplete: 'username', required: true });
  const password = el('input', { id: passId, name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const token = el('textarea', { id: tokenId, name: 'token', required: true, spellcheck: false, placeholder: 'eyJhbGciOiJIUzI1NiIs…' });
  const submit = el('button', { class: 'btn', type: 'submit' }, 'Sign in');

  const login = el('form', {
    'aria-label': 'Sign in with a username and password',
    async onsubmit(e) {
      e.preventDefault();
      loginError.hidden = true;
      submit.disabled = true;
      submit.textContent = 'Signing in…';
      try {
        await signIn(username.value.trim(), password.value);
        onSignedIn();
      } catch (error) {
        loginError.textContent = error.kind === 'auth'
          ? 'The username or password is wrong.'
          : `Could not sign in: ${error.message}`;
        loginError.hidden = false;
        submit.disabled = false;
        submit.textContent = 'Sign in';
        password.focus();
      }
    },
  },
  el('h3', { text: 'Sign in' }),
  el('label', { class: 'field', htmlFor: userId }, 'Username', username),
  el('label', { class: 'field', htmlFor: passId }, 'Password', password),
  loginError, el('div', {}, submit));

  const paste = el('form', {
    'aria-label': 'Use an access token',
    onsubmit(e) {
      e.preventDefault();
      tokenError.hidden = true;
      try {
        usePastedToken(token.value);
        onSignedIn();
      } catch (error) {
        tokenError.textContent = error.message;
        tokenError.hidden = false;
        token.focus();
      }
    },
  },
  el('h3', { text: 'Or paste an access token' }),
  el('label', { class: 'field', htmlFor: tokenId }, 'Access token (JWT from POST /api/v1/auth/token/)', token),
  tokenError, el('div', {}, el('button', { class: 'btn btn--ghost', type: 'submit' }, 'Use token')));

  return el('div', { class: 'signin' }, login, paste);
}

/** The notice for a visitor who is not signed in: what they would see (`the recent
 *  orders`) and why it needs a sign-in. */
export function signedOutNotice(what, why) {
  return el('div', { class: 'notice notice--info', dataset: { notice: 'signed-out' } },
    el('p', {}, el('strong', { text: `Sign in to see ${what}.` })),
    el('p', {}, `${why} Use an account made with `,
      el('code', { text: 'ecomctl createuser' }), ', or paste an access token.'));
}

/** The notice for a token the API refused (error: its ApiError). */
export function rejectedNotice(error) {
  return el('div', { class: 'notice', role: 'alert', dataset: { notice: 'rejected' } },
    el('p', {}, el('strong', { text: 'Your sign-in was not accepted.' })),
    el('p', { text: `The API refused the token (${error.message.replace(/\.$/, '')}). It may have expired or come from another server. Please sign in again.` }));
}

/** Fills node with "Signed in as …" and a Sign out button (onSignedOut() after it), or
 *  empties it without a session. */
export function renderSession(node, onSignedOut) {
  const s = session();
  if (!s) { replace(node); return; }
  replace(node,
    el('span', { text: s.username ? `Signed in as ${s.username}` : 'Using a pasted token' }),
    el('button', { class: 'btn btn--ghost btn--small', type: 'button', onclick: () => { signOut(); onSignedOut(); } }, 'Sign out'));
}
