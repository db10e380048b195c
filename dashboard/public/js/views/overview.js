// `/` Overview: KPI cards, the revenue trend, the top products and Recent Orders (behind
// sign-in), all for the date range of the filter.
import { get, ApiError } from '../api.js';
import { authorizedGet, session, signIn, signOut, usePastedToken } from '../auth.js';
import { el, newId, replace, switchGroup } from '../dom.js';
import { plotlyMissing, plotlyMissingBox, topProductsChart, trendChart } from '../charts.js';
import { formatDate, formatInt, formatMoney, formatPeriod } from '../format.js';
import { rangeFilter } from './filters.js';
import { panel } from './panel.js';

const GRANULARITIES = [['daily', 'Daily'], ['weekly', 'Weekly'], ['monthly', 'Monthly']];
const METRICS = [['revenue', 'Revenue'], ['quantity', 'Units sold']];
const TOP_LIMIT = 10;
const ORDERS_PAGE_SIZE = 10;

const KPIS = [
  { key: 'revenue', label: 'Revenue', value: (k) => formatMoney(k.total_revenue), note: (k) => `${formatInt(k.units_sold)} units sold` },
  { key: 'orders', label: 'Orders', value: (k) => formatInt(k.total_orders), note: () => 'orders placed in the range' },
  { key: 'aov', label: 'Average order value', value: (k) => formatMoney(k.average_order_value), note: () => 'revenue ÷ orders' },
  { key: 'customers', label: 'Customers', value: (k) => formatInt(k.unique_customers), note: () => 'with at least one order' },
];

export function mount(container, ctx) {
  let range = { ...ctx.range };
  let granularity = 'monthly';
  let metric = 'revenue';
  let ordersPage = 1;

  const params = () => ({ start_date: range.start, end_date: range.end });
  const filter = rangeFilter({
    range,
    onChange(start, end) {
      range = { start, end };
      ctx.setRange(start, end);
      ordersPage = 1;
      loadAll();
    },
  });
  const rangeText = el('p', { text: 'All orders' });

  /* ---- KPI cards ---- */
  const cards = KPIS.map((k) => {
    const value = el('p', { class: 'kpi__value', text: '…' });
    const note = el('p', { class: 'kpi__note', text: '\u00a0' });
    const node = el('article', { class: 'card kpi', dataset: { kpi: k.key, state: 'loading' }, 'aria-busy': 'true' },
      el('h3', { class: 'kpi__label', text: k.label }), value, note);
    return { ...k, node, valueNode: value, noteNode: note };
  });
  const kpiHeading = newId('kpis');
  const kpiSection = el('section', { class: 'kpis', 'aria-labelledby': kpiHeading },
    el('h2', { id: kpiHeading, class: 'sr-only', text: 'Key figures' }), cards.map((c) => c.node));
  let kpiController = null;

  async function loadKpis() {
    if (kpiController) kpiController.abort();
    const mine = kpiController = new AbortController();
    for (const c of cards) { c.node.dataset.state = 'loading'; c.node.setAttribute('aria-busy', 'true'); }
    try {
      const k = await get('/api/v1/kpis/', params(), { signal: mine.signal });
      for (const c of cards) {
        c.valueNode.textContent = c.value(k);
        c.noteNode.textContent = c.note(k);
        c.node.dataset.state = 'ready';
      }
      filter.showEffective(k.start_date, k.end_date);
      rangeText.textContent = k.start_date
        ? `Orders from ${formatDate(k.start_date)} to ${formatDate(k.end_date)}`
        : 'No orders yet: load some with "ecomctl seed" or "ecomctl load-csv".';
    } catch (error) {
      if (error.name === 'AbortError') return;
      for (const c of cards) {
        c.valueNode.textContent = 'Unavailable';
        c.noteNode.textContent = error.isOutage ? 'The API is not reachable.' : error.message;
        c.node.dataset.state = 'error';
      }
      rangeText.textContent = 'The figures could not be loaded.';
    } finally {
      for (const c of cards) c.node.removeAttribute('aria-busy');
      if (kpiController === mine) kpiController = null;
    }
  }

  /* ---- revenue trend ---- */
  const trend = panel({
    title: 'Revenue trend', name: 'trend',
    controls: switchGroup('Granularity', 'granularity', GRANULARITIES, granularity, (g) => { granularity = g; loadTrend(); }),
  });
  const trendNode = el('div', { class: 'chart', id: 'trend-chart', role: 'img', 'aria-label': 'Revenue trend chart' });

  function loadTrend() {
    trend.load('the revenue trend',
      (signal) => get('/api/v1/revenue/trends/', { ...params(), granularity }, { signal }),
      async (t) => {
        const points = t.points || [];
        const unit = { daily: 'Daily', weekly: 'Weekly', monthly: 'Monthly' }[t.granularity] || '';
        trend.sub.textContent = t.start_date
          ? `${unit} revenue and orders, ${formatDate(t.start_date)} – ${formatDate(t.end_date)}${t.granularity === 'weekly' ? ' (weeks start on Monday)' : ''}`
          : '';
        if (!points.some((p) => p.orders > 0)) {
          replace(trend.body, el('div', { class: 'state', text: 'No orders in this date range.' }));
          return 'empty';
        }
        if (plotlyMissing()) { replace(trend.body, plotlyMissingBox()); return 'error'; }
        if (!trend.body.contains(trendNode)) replace(trend.body, trendNode);
        const best = points.reduce((a, b) => (b.revenue > a.revenue ? b : a));
        trendNode.setAttribute('aria-label', `${unit} revenue chart with ${points.length} periods; the highest is ${formatMoney(best.revenue)} in ${formatPeriod(best.period, t.granularity)}.`);
        trendNode.dataset.points = String(points.length);
        await trendChart(trendNode, points, {
          revenue: points.map((p) => formatMoney(p.revenue)),
          orders: points.map((p) => formatInt(p.orders)),
        });
        return 'ready';
      });
  }

  /* ---- top products ---- */
  const top = panel({
    title: `Top ${TOP_LIMIT} products`, name: 'top-products',
    controls: switchGroup('Rank by', 'metric', METRICS, metric, (m) => { metric = m; loadTop(); }),
  });
  const topNode = el('div', { class: 'chart', id: 'top-products-chart', role: 'img', 'aria-label': 'Top products chart' });

  function loadTop() {
    top.load('the top products',
      (signal) => get('/api/v1/products/top-sellers/', { ...params(), metric, limit: TOP_LIMIT }, { signal }),
      async (t) => {
        const items = t.items || [];
        top.sub.textContent = t.metric === 'quantity' ? 'By units sold in the range' : 'By revenue in the range';
        if (!items.length) {
          replace(top.body, el('div', { class: 'state', text: 'No products sold in this date range.' }));
          return 'empty';
        }
        if (plotlyMissing()) { replace(top.body, plotlyMissingBox()); return 'error'; }
        if (!top.body.contains(topNode)) replace(top.body, topNode);
        const fmt = (i) => (t.metric === 'quantity' ? `${formatInt(i.units_sold)} units` : formatMoney(i.revenue));
        topNode.setAttribute('aria-label', `Bar chart of the top ${items.length} products by ${t.metric === 'quantity' ? 'units sold' : 'revenue'}; first: ${items[0].name}, ${fmt(items[0])}.`);
        topNode.dataset.metric = t.metric;
        await topProductsChart(topNode, items, t.metric, items.map(fmt));
        return 'ready';
      });
  }

  /* ---- recent orders (needs a token) ---- */
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
      (signal) => authorizedGet('/api/v1/orders/', { ...params(), page: ordersPage, page_size: ORDERS_PAGE_SIZE }, { signal })
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
    if (!rows.length) {
      orders.sub.textContent = '';
      replace(orders.body, el('div', { class: 'state', text: 'No orders in this date range.' }));
      return 'empty';
    }
    const first = (ordersPage - 1) * ORDERS_PAGE_SIZE + 1;
    orders.sub.textContent = `Newest first · ${formatInt(first)}–${formatInt(first + rows.length - 1)} of ${formatInt(page.count)} orders`;
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

  function loadAll() {
    loadKpis();
    loadTrend();
    loadTop();
    loadOrders();
  }

  replace(container,
    el('div', { class: 'page-head' },
      el('div', {}, el('h1', { text: 'Overview' }), rangeText),
      filter.node),
    kpiSection,
    el('div', { class: 'grid grid--2' }, trend.node, top.node),
    orders.node);
  loadAll();

  return () => {
    if (kpiController) kpiController.abort();
    trend.abort();
    top.abort();
    orders.abort();
    for (const node of [trendNode, topNode]) if (window.Plotly) window.Plotly.purge(node);
  };
}

