// Recent orders, behind sign-in: without a token the panel explains why and offers a
// username + password form and a pasted-token form; with one, a page of the order list
// (newest first) for the date range, with a pager. The order list has no country or
// category filter (SPEC §6): with one set, the panel says that it does not apply.
import { ApiError } from '../api.js';
import { authorizedGet, session, signIn, signOut, usePastedToken } from '../auth.js';
import { el, newId, replace } from '../dom.js';
import { formatDate, formatInt, formatMoney } from '../format.js';
import { filterText } from '../query.js';
import { panel } from '../views/panel.js';

const ORDERS_PAGE_SIZE = 10;

/** ordersPanel() -> {node, load(query), abort()}; load(query) starts again at page 1. */
export function ordersPanel() {
  let query = { start: '', end: '' };
  let ordersPage = 1;
  const sessionLine = el('div', { class: 'session' });
  const orders = panel({ title: 'Recent orders', name: 'orders', controls: sessionLine });

  function renderSession() {
    const s = session();
    if (!s) { replace(sessionLine); return; }
    replace(sessionLine,
      el('span', { text: s.username ? `Signed in as ${s.username}` : 'Using a pasted token' }),
      el('button', { class: 'btn btn--ghost btn--small', type: 'button', onclick: () => { signOut(); loadOrders(); } }, 'Sign out'));
  }

  function signInForms(notice) {
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
          ordersPage = 1;
          loadOrders();
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
          ordersPage = 1;
          loadOrders();
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

    return [notice, el('div', { class: 'signin' }, login, paste)];
  }

  function showSignedOut(notice, state) {
    orders.abort();
    renderSession();
    orders.sub.textContent = '';
    replace(orders.body, ...signInForms(notice));
    orders.node.dataset.state = state;
  }

  const signedOutNotice = () => el('div', { class: 'notice notice--info', dataset: { notice: 'signed-out' } },
    el('p', {}, el('strong', { text: 'Sign in to see the recent orders.' })),
    el('p', {}, 'Orders hold customer names, so the API shows them only to signed-in users. Use an account made with ',
      el('code', { text: 'ecomctl createuser' }), ', or paste an access token.'));

  const rejectedNotice = (error) => el('div', { class: 'notice', role: 'alert', dataset: { notice: 'rejected' } },
    el('p', {}, el('strong', { text: 'Your sign-in was not accepted.' })),
    el('p', { text: `The API refused the token (${error.message.replace(/\.$/, '')}). It may have expired or come from another server. Please sign in again.` }));

  function loadOrders() {
    if (!session()) { showSignedOut(signedOutNotice(), 'signed-out'); return; }
    renderSession();
    orders.load('the recent orders',
      (signal) => authorizedGet('/api/v1/orders/', { start_date: query.start, end_date: query.end, page: ordersPage, page_size: ORDERS_PAGE_SIZE }, { signal })
        .catch((error) => {
          if (error instanceof ApiError && error.kind === 'auth') return { rejected: error };
          if (error instanceof ApiError && error.status === 404 && ordersPage > 1) { ordersPage = 1; return { retry: true }; }
          throw error;
        }),
      (page) => {
        if (page.rejected) { showSignedOut(rejectedNotice(page.rejected), 'rejected'); return 'rejected'; }
        if (page.retry) { setTimeout(loadOrders); return 'loading'; }
        return renderOrders(page);
      });
  }

  function renderOrders(page) {
    const rows = page.results || [];
    const note = filterText(query) ? ' · not filtered by country or category (the order list has no such filter)' : '';
    if (!rows.length) {
      orders.sub.textContent = '';
      replace(orders.body, el('div', { class: 'state', text: 'No orders in this date range.' }));
      return 'empty';
    }
    const first = (ordersPage - 1) * ORDERS_PAGE_SIZE + 1;
    orders.sub.textContent = `Newest first · ${formatInt(first)}–${formatInt(first + rows.length - 1)} of ${formatInt(page.count)} orders${note}`;
    const num = (text) => el('td', { class: 'num', text });
    const table = el('table', { id: 'orders-table' },
      el('caption', { text: `Orders ${formatInt(first)} to ${formatInt(first + rows.length - 1)} of ${formatInt(page.count)}, newest first` }),
      el('thead', {}, el('tr', {},
        ['Order', 'Date', 'Customer', 'Product', 'Category'].map((h) => el('th', { scope: 'col', text: h })),
        ['Qty', 'Unit price', 'Total'].map((h) => el('th', { scope: 'col', class: 'num', text: h })))),
      el('tbody', {}, rows.map((o) => el('tr', { dataset: { orderId: o.order_id } },
        el('th', { scope: 'row', text: o.order_id }),
        el('td', { text: formatDate(o.order_date) }),
        el('td', { text: o.customer_name, title: o.customer_id }),
        el('td', { text: o.product_name, title: o.product_id }),
        el('td', { text: o.product_category }),
        num(formatInt(o.quantity)), num(formatMoney(o.unit_price)), num(formatMoney(o.total_amount))))));
    const pages = Math.max(1, Math.ceil(page.count / ORDERS_PAGE_SIZE));
    const go = (n) => () => { ordersPage = n; loadOrders(); };
    replace(orders.body,
      el('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Recent orders table' }, table),
      el('nav', { class: 'pager', 'aria-label': 'Order pages' },
        el('span', { class: 'pager__info', text: `Page ${formatInt(ordersPage)} of ${formatInt(pages)}` }),
        el('button', { class: 'btn btn--ghost btn--small', type: 'button', disabled: !page.previous, onclick: go(ordersPage - 1) }, 'Previous'),
        el('button', { class: 'btn btn--ghost btn--small', type: 'button', disabled: !page.next, onclick: go(ordersPage + 1) }, 'Next')));
    return 'ready';
  }

  return {
    node: orders.node,
    abort: orders.abort,
    load(q) {
      query = q;
      ordersPage = 1;
      loadOrders();
    },
  };
}
