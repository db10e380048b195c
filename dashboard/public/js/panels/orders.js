// Recent orders, behind sign-in: without a token the panel explains why and offers a
// username + password form and a pasted-token form (signin.js); with one, a page of the
// order list (newest first) for the date range, with a pager. The order list has no country
// or category filter (SPEC §6): with one set, the panel says that it does not apply. With
// a customer (the Data page's customer rows), the panel lists that customer's orders.
import { ApiError } from '../api.js';
import { authorizedDownload, authorizedGet, session } from '../auth.js';
import { el, replace } from '../dom.js';
import { formatDate, formatInt, formatMoney } from '../format.js';
import { filterText } from '../query.js';
import { panel } from '../views/panel.js';
import { rejectedNotice, renderSession, signInForms, signedOutNotice } from '../signin.js';

const ORDERS_PAGE_SIZE = 10;

/** ordersPanel({customer}) -> {node, load(query), abort()}; load(query) starts again at
 *  page 1. customer: {customer_id, name} to list only that customer's orders. */
export function ordersPanel({ customer = null } = {}) {
  let query = { start: '', end: '' };
  let ordersPage = 1;
  const sessionLine = el('div', { class: 'session' });
  const title = customer ? `Orders of ${customer.name || customer.customer_id}` : 'Recent orders';
  const download = el('button', {
    class: 'btn btn--ghost btn--small download', type: 'button', text: 'Download CSV', hidden: true,
    'aria-label': 'Download every order of the range as CSV', dataset: { download: 'orders' },
    onclick: () => {
      download.disabled = true;
      const params = { start_date: query.start, end_date: query.end };
      if (customer) params.customer_id = customer.customer_id;
      authorizedDownload('/api/v1/orders/', params)
        .catch((error) => { orders.sub.textContent = error.message; })
        .finally(() => { download.disabled = false; });
    },
  });
  const orders = panel({ title, name: 'orders', controls: el('div', { class: 'panel__tools' }, sessionLine, download) });

  const showSession = () => renderSession(sessionLine, loadOrders);

  function showSignedOut(notice, state) {
    download.hidden = true;
    orders.abort();
    showSession();
    orders.sub.textContent = '';
    replace(orders.body, notice, signInForms(() => { ordersPage = 1; loadOrders(); }));
    orders.node.dataset.state = state;
  }

  function loadOrders() {
    if (!session()) {
      showSignedOut(signedOutNotice('the recent orders', 'Orders hold customer names, so the API shows them only to signed-in users.'), 'signed-out');
      return;
    }
    showSession();
    const params = { start_date: query.start, end_date: query.end, page: ordersPage, page_size: ORDERS_PAGE_SIZE };
    if (customer) params.customer_id = customer.customer_id;
    orders.load(customer ? 'the customer\'s orders' : 'the recent orders',
      (signal) => authorizedGet('/api/v1/orders/', params, { signal })
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
    download.hidden = false;
    const rows = page.results || [];
    const note = filterText(query) ? ' · not filtered by country or category (the order list has no such filter)' : '';
    if (!rows.length) {
      orders.sub.textContent = '';
      replace(orders.body, el('div', { class: 'state', text: customer ? 'This customer has no orders.' : 'No orders in this date range.' }));
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
