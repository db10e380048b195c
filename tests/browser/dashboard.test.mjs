// Browser tests of the dashboard (SPEC §8, §9 and §10, issues 8, 18 and 19), in Debian's Chromium against the real
// stack: gateway + services on a seeded database, the dashboard served by h2o.
// Run by tests/browser/run.sh (ctest: browser_dashboard). Screenshots: tests/artifacts/browser/.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DESKTOP, PHONE, api, int, jwt, launchBrowser, money, openPage, poll, screenshot, startDashboard, startStack,
} from './harness.mjs';

let stack;
let dash;
let browser;

before(async () => {
  stack = await startStack();
  dash = await startDashboard(stack.info.api_port);
  browser = await launchBrowser();
}, { timeout: 400000 });

after(async () => {
  if (browser) await browser.close();
  if (dash) await dash.stop();
  if (stack) {
    const problems = await stack.stop();
    assert.equal(problems, '', 'every process of the stack exits cleanly');
  }
});

/** page.problems but the expected ones: /healthz may be 503 in this stack (a service that
 *  is not built yet), and each test names the HTTP errors it provokes. */
const unexpected = (page, ...allowed) => page.problems.filter((p) => ![/^503 \/healthz$/, ...allowed].some((re) => re.test(p)));

const ready = (page, panel) => page.waitForSelector(`[data-panel="${panel}"][data-state="ready"]`, { timeout: 20000 });
const kpiText = (page, key) => page.textContent(`[data-kpi="${key}"] .kpi__value`);
const chartData = (page, id) => page.evaluate((i) => document.getElementById(i).data.map((t) => ({ type: t.type, x: t.x, y: t.y, values: t.values, labels: t.labels })), id);
const traceCount = (page, id) => page.locator(`#${id} .trace`).count();

async function waitKpis(page) {
  await page.waitForFunction(() => [...document.querySelectorAll('[data-kpi]')].every((c) => c.dataset.state === 'ready'), null, { timeout: 20000 });
}

async function kpiCards(page) {
  await waitKpis(page);
  return {
    revenue: await kpiText(page, 'revenue'), orders: await kpiText(page, 'orders'),
    aov: await kpiText(page, 'aov'), customers: await kpiText(page, 'customers'),
    newCustomers: await kpiText(page, 'new-customers'),
  };
}

function expectedKpis(k) {
  return {
    revenue: money(k.total_revenue), orders: int(k.total_orders), aov: money(k.average_order_value),
    customers: int(k.unique_customers), newCustomers: int(k.new_customers),
  };
}

/** A fraction of the API (4 decimals) as the page writes it: one decimal, rounded half up
 *  from whole basis points. */
function pct(f) {
  const tenths = Math.round(Math.round(Math.abs(f) * 10000) / 10);
  return `${int(Math.floor(tenths / 10))}.${tenths % 10}%`;
}

/** The KPI cards' change lines as the page must write them for a kpis answer with a
 *  comparison: arrow, signed change, words; "nothing in the ..." when the API's change is null. */
const KPI_FIELDS = [['revenue', 'total_revenue', money], ['orders', 'total_orders', int], ['aov', 'average_order_value', money],
  ['customers', 'unique_customers', int], ['newCustomers', 'new_customers', int]];
function expectedDeltas(k, label) {
  const out = {};
  for (const [name, field, fmt] of KPI_FIELDS) {
    const change = k.comparison.change[field];
    const previous = k.comparison[field];
    if (change === null) out[name] = `– nothing in the ${label}`;
    else if (pct(change) === '0.0%') out[name] = `● 0.0% unchanged from ${fmt(previous)}`;
    else if (change > 0) out[name] = `▲ +${pct(change)} up from ${fmt(previous)}`;
    else out[name] = `▼ −${pct(change)} down from ${fmt(previous)}`;
  }
  return out;
}

async function kpiDeltas(page) {
  await waitKpis(page);
  const keys = { revenue: 'revenue', orders: 'orders', aov: 'aov', customers: 'customers', newCustomers: 'new-customers' };
  const out = {};
  for (const [name, key] of Object.entries(keys)) out[name] = (await page.textContent(`[data-kpi="${key}"] .kpi__delta`)).trim();
  return out;
}

/** The chart's traces by name. */
const traceByName = async (page, id, name) => (await page.evaluate(([i, n]) => {
  const t = document.getElementById(i).data.find((d) => d.name === n);
  return t ? { x: t.x, y: t.y } : null;
}, [id, name]));

/** The rows of a table as arrays of cell texts. */
const tableRows = (page, selector) => page.locator(`${selector} tbody tr`).evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));

/** Basic accessibility checks a reviewer would make: language, landmarks, one h1, labelled
 *  controls and charts, and WCAG AA contrast of every visible text (4.5:1, 3:1 when large). */
function a11yProblems(page) {
  return page.evaluate(() => {
    const problems = [];
    if (document.documentElement.lang !== 'en') problems.push('html has no lang="en"');
    for (const sel of ['header', 'nav', 'main', 'footer']) if (!document.querySelector(sel)) problems.push(`no <${sel}> landmark`);
    if (document.querySelectorAll('h1').length !== 1) problems.push(`${document.querySelectorAll('h1').length} h1 elements`);
    for (const input of document.querySelectorAll('input, textarea, select')) {
      if (!(input.labels && input.labels.length) && !input.getAttribute('aria-label')) problems.push(`unlabelled control ${input.outerHTML.slice(0, 80)}`);
    }
    for (const b of document.querySelectorAll('button, a[href]')) {
      if (!(b.textContent.trim() || b.getAttribute('aria-label'))) problems.push(`control without a name ${b.outerHTML.slice(0, 80)}`);
    }
    for (const img of document.querySelectorAll('[role="img"]')) if (!img.getAttribute('aria-label')) problems.push(`chart without a label #${img.id}`);
    const parse = (c) => {
      const m = c.match(/rgba?\(([^)]+)\)/);
      if (!m) return null;
      const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
      return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
    };
    const lum = ({ r, g, b }) => {
      const f = (v) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const background = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c && c.a > 0.5) return c;
      }
      return { r: 255, g: 255, b: 255, a: 1 };
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const seen = new Set();
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!n.textContent.trim() || seen.has(el) || el.closest('svg, .sr-only, [hidden], noscript, .skip-link')) continue;
      seen.add(el);
      const style = getComputedStyle(el);
      const rect = el.getBoundingClientRect();
      if (rect.width === 0 || rect.height === 0 || style.visibility === 'hidden') continue;
      const fg = parse(style.color);
      if (!fg || fg.a < 0.5) continue;
      const l1 = lum(fg);
      const l2 = lum(background(el));
      const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) problems.push(`contrast ${ratio.toFixed(2)} for "${n.textContent.trim().slice(0, 40)}"`);
    }
    return problems;
  });
}

describe('overview', () => {
  test('loads on a direct load and on a reload, KPI cards equal the API', async () => {
    const page = await openPage(browser);
    try {
      await page.goto(`${dash.url}/`);
      assert.equal(await page.textContent('h1'), 'Overview');
      const want = expectedKpis(await api(stack.apiUrl, '/api/v1/kpis/'));
      assert.deepEqual(await kpiCards(page), want);
      assert.match(want.revenue, /^\$\d{1,3}(,\d{3})+\.\d\d$/, 'the revenue has thousands separators');
      assert.equal(await page.getAttribute('a[href="/"][data-route]:not(.brand)', 'aria-current'), 'page');
      await ready(page, 'trend');
      await ready(page, 'top-products');
      await screenshot(page, 'overview-desktop');
      await page.reload();
      assert.deepEqual(await kpiCards(page), want);
      assert.deepEqual(await a11yProblems(page), []);
      assert.deepEqual(unexpected(page), []);
    } finally {
      await page.close();
    }
  });

  test('the date range changes every panel and survives a reload', async () => {
    const page = await openPage(browser);
    try {
      await page.goto(`${dash.url}/`);
      await waitKpis(page);
      await page.getByLabel('From', { exact: true }).fill('2025-01-01');
      await page.getByLabel('To', { exact: true }).fill('2025-03-31');
      const range = 'start_date=2025-01-01&end_date=2025-03-31';
      const want = expectedKpis(await api(stack.apiUrl, `/api/v1/kpis/?${range}`));
      await poll('the KPI cards of the range', async () => JSON.stringify(await kpiCards(page)) === JSON.stringify(want));
      const trend = await api(stack.apiUrl, `/api/v1/revenue/trends/?granularity=monthly&${range}`);
      await poll('the trend of the range', async () => (await chartData(page, 'trend-chart'))[0].x.length === trend.points.length);
      assert.equal(trend.points.length, 3);
      assert.ok(page.url().endsWith(`/?${range}`), page.url());
      await page.reload();
      assert.deepEqual(await kpiCards(page), want);
      assert.equal(await page.getByLabel('From', { exact: true }).inputValue(), '2025-01-01');
      // An inverted range is refused at the inputs, before any request.
      await page.getByLabel('From', { exact: true }).fill('2025-04-15');
      await page.waitForSelector('.field-error:not([hidden])');
      assert.match(await page.textContent('.field-error'), /start date must not be after the end date/);
      assert.deepEqual(unexpected(page), []);
    } finally {
      await page.close();
    }
  });

  test('the revenue trend draws its traces and the granularity switch changes the data', async () => {
    const page = await openPage(browser);
    try {
      await page.goto(`${dash.url}/`);
      await ready(page, 'trend');
      // No range: the previous period lies before the first order, its line is all zeros.
      assert.equal(await traceCount(page, 'trend-chart'), 3, 'revenue, orders and the comparison drawn');
      for (const granularity of ['monthly', 'weekly', 'daily']) {
        const want = await api(stack.apiUrl, `/api/v1/revenue/trends/?granularity=${granularity}`);
        if (granularity !== 'monthly') await page.locator('[data-switch="granularity"] label', { hasText: granularity[0].toUpperCase() + granularity.slice(1) }).click();
        const data = await poll(`${granularity} points`, async () => {
          const d = await chartData(page, 'trend-chart');
          return d[0].x.length === want.points.length && d;
        });
        assert.deepEqual(data[0].x, want.points.map((p) => p.period));
        assert.deepEqual(data[0].y, want.points.map((p) => p.revenue));
        assert.deepEqual(data[1].y, want.points.map((p) => p.orders));
      }
      await ready(page, 'trend');
      assert.equal(await traceCount(page, 'trend-chart'), 3);
      assert.deepEqual(unexpected(page), []);
    } finally {
      await page.close();
    }
  });

  test('the top products chart draws its bars and the metric switch changes the data', async () => {
    const page = await openPage(browser);
    try {
      await page.goto(`${dash.url}/`);
      await ready(page, 'top-products');
      assert.equal(await traceCount(page, 'top-products-chart'), 1);
      const byRevenue = await api(stack.apiUrl, '/api/v1/products/top-sellers/?metric=revenue&limit=10');
      let data = await chartData(page, 'top-products-chart');
      assert.equal(await page.locator('#top-products-chart .trace .point').count(), byRevenue.items.length);
      assert.deepEqual(data[0].x, byRevenue.items.map((i) => i.revenue).reverse());
      await page.locator('[data-switch="metric"] label', { hasText: 'Units sold' }).click();
      const byQuantity = await api(stack.apiUrl, '/api/v1/products/top-sellers/?metric=quantity&limit=10');
      data = await poll('the chart by units sold', async () => {
        const d = await chartData(page, 'top-products-chart');
        return JSON.stringify(d[0].x) === JSON.stringify(byQuantity.items.map((i) => i.units_sold).reverse()) && d;
      });
      assert.deepEqual(data[0].y, byQuantity.items.map((i) => `${i.rank}. ${i.name}`).reverse());
      assert.notDeepEqual(byQuantity.items.map((i) => i.product_id), byRevenue.items.map((i) => i.product_id), 'the seed data ranks differently by units');
      assert.deepEqual(unexpected(page), []);
    } finally {
      await page.close();
    }
  });

  test('at phone width the page fits the screen', async () => {
    const page = await openPage(browser, PHONE);
    try {
      await page.goto(`${dash.url}/`);
      await waitKpis(page);
      await ready(page, 'trend');
      await ready(page, 'top-products');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
      await screenshot(page, 'overview-phone');
      assert.deepEqual(unexpected(page), []);
    } finally {
      await page.close();
    }
  });
});

describe('recent orders', () => {
  test('without a token: a helpful message, never an error', async () => {
    const page = await openPage(browser);
    try {
      await page.goto(`${dash.url}/`);
      await page.waitForSelector('[data-panel="orders"][data-state="signed-out"]');
      assert.match(await page.textContent('[data-notice="signed-out"]'), /Sign in to see the recent orders/);
      assert.equal(await page.locator('[data-panel="orders"] .state--error').count(), 0);
      assert.ok(await page.getByLabel('Username', { exact: true }).isVisible());
      assert.ok(await page.getByLabel(/Access token/).isVisible());
      assert.deepEqual(unexpected(page), []);
    } finally {
      await page.close();
    }
  });

  test('a rejected token: a clear message and the sign-in form again', async () => {
    const page = await openPage(browser);
    try {
      await page.goto(`${dash.url}/`);
      await page.waitForSelector('[data-panel="orders"][data-state="signed-out"]');
      await page.getByLabel(/Access token/).fill(jwt('not-the-secret-of-this-server', { sub: 'mallory' }));
      await page.getByRole('button', { name: 'Use token' }).click();
      await page.waitForSelector('[data-panel="orders"][data-state="rejected"]');
      assert.match(await page.textContent('[data-notice="rejected"]'), /not accepted.*sign in again/is);
      assert.ok(await page.getByLabel('Password', { exact: true }).isVisible(), 'the sign-in form is offered again');
      assert.equal(await page.evaluate(() => sessionStorage.getItem('ecom.auth')), null, 'the bad token is forgotten');
      // Text that is no JWT at all is refused before any request.
      await page.getByLabel(/Access token/).fill('hello');
      await page.getByRole('button', { name: 'Use token' }).click();
      await page.waitForSelector('text=does not look like a JWT');
      // The browser logs the 401 of the refused token itself; nothing else may be logged.
      assert.deepEqual(unexpected(page, /^401 \/api\/v1\/(orders|auth\/token)\/$/), []);
    } finally {
      await page.close();
    }
  });

  test('a pasted access token shows the orders', async (t) => {
    if (!stack.has('orders')) { t.skip('ecom-orders is not built yet (no binary in ECOM_BIN_DIR)'); return; }
    const page = await openPage(browser);
    try {
      const token = jwt(stack.info.jwt_secret, { sub: stack.info.user ? stack.info.user.username : 'dashboard-tester' });
      const want = await api(stack.apiUrl, '/api/v1/orders/?page_size=10', { headers: { Authorization: `Bearer ${token}` } });
      await page.goto(`${dash.url}/`);
      await page.getByLabel(/Access token/).fill(`Bearer ${token}`);
      await page.getByRole('button', { name: 'Use token' }).click();
      await ready(page, 'orders');
      const ids = await page.locator('#orders-table tbody th').allTextContents();
      assert.deepEqual(ids, want.results.map((o) => o.order_id));
      assert.deepEqual(unexpected(page), []);
    } finally {
      await page.close();
    }
  });

  test('sign-in with a username and password shows the orders table', async (t) => {
    if (!stack.has('auth', 'orders')) { t.skip(`ecom-auth and ecom-orders are needed; built: ${stack.info.services.join(', ')}`); return; }
    const page = await openPage(browser);
    const { username, password } = stack.info.user;
    try {
      await page.goto(`${dash.url}/`);
      await page.getByLabel('Username', { exact: true }).fill(username);
      await page.getByLabel('Password', { exact: true }).fill('wrong password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForSelector('text=The username or password is wrong.');
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await ready(page, 'orders');

      const tokens = await api(stack.apiUrl, '/api/v1/auth/token/', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password }),
      });
      const want = await api(stack.apiUrl, '/api/v1/orders/?page_size=10', { headers: { Authorization: `Bearer ${tokens.access}` } });
      const rows = await page.locator('#orders-table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
      assert.equal(rows.length, want.results.length);
      assert.deepEqual(rows.map((r) => r[0]), want.results.map((o) => o.order_id));
      assert.deepEqual(rows.map((r) => r[7]), want.results.map((o) => money(o.total_amount)));
      assert.match(await page.textContent('[data-panel="orders"] .panel__sub'), new RegExp(`of ${int(want.count)} orders`));
      assert.match(await page.textContent('[data-panel="orders"] .session'), new RegExp(`Signed in as ${username}`));
      await screenshot(page, 'overview-signed-in-desktop');

      // Page 2, then a reload: the session lasts as long as the tab.
      await page.getByRole('button', { name: 'Next' }).click();
      await poll('page 2', async () => (await page.textContent('.pager__info')).startsWith('Page 2'));
      await page.reload();
      await ready(page, 'orders');
      // An access token that no longer works is replaced with the refresh token, silently.
      await page.evaluate(() => {
        const s = JSON.parse(sessionStorage.getItem('ecom.auth'));
        sessionStorage.setItem('ecom.auth', JSON.stringify({ ...s, access: `${s.access.slice(0, -4)}AAAA` }));
      });
      await page.reload();
      await ready(page, 'orders');
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForSelector('[data-panel="orders"][data-state="signed-out"]');
      assert.deepEqual(unexpected(page, /^401 \/api\/v1\/(orders|auth\/token)\/$/), []);
    } finally {
      await page.close();
    }
  });
});

describe('customers', () => {
  test('loads on a direct load and a reload: the segments pie and table equal the API', async () => {
    const page = await openPage(browser);
    try {
      const want = await api(stack.apiUrl, '/api/v1/customers/segments/');
      await page.goto(`${dash.url}/customers`);
      assert.equal(await page.textContent('h1'), 'Customer segments');
      for (let round = 0; round < 2; round++) {
        await ready(page, 'segments-pie');
        await ready(page, 'segments-table');
        assert.equal(await traceCount(page, 'segments-chart'), 1);
        const pie = (await chartData(page, 'segments-chart'))[0];
        const nonEmpty = want.segments.filter((s) => s.customers > 0);
        assert.deepEqual(pie.values, nonEmpty.map((s) => s.customers));
        assert.equal(await page.locator('#segments-chart .slice').count(), nonEmpty.length);
        const rows = await page.locator('#segments-table tbody tr').evaluateAll((trs) => trs.map((tr) => ({
          segment: tr.dataset.segment, cells: [...tr.children].map((c) => c.textContent),
        })));
        assert.equal(rows.length, 7);
        assert.deepEqual(rows.map((r) => r.segment), want.segments.map((s) => s.segment));
        assert.deepEqual(rows.map((r) => r.cells[1]), want.segments.map((s) => int(s.customers)));
        assert.deepEqual(rows.map((r) => r.cells[5]), want.segments.map((s) => money(s.avg_monetary)));
        assert.match(await page.textContent('h1 + p'), new RegExp(`^${int(want.total_customers)} customers`));
        if (round === 0) {
          await screenshot(page, 'customers-desktop');
          await page.reload();
        }
      }
      assert.equal(await page.getAttribute('.navbar__links a[href="/customers"]', 'aria-current'), 'page');
      assert.deepEqual(await a11yProblems(page), []);
      assert.deepEqual(unexpected(page), []);
    } finally {
      await page.close();
    }
  });

  test('the navbar moves between the pages and keeps the date range', async () => {
    const page = await openPage(browser);
    try {
      await page.goto(`${dash.url}/?start_date=2025-07-01&end_date=2025-12-31`);
      await waitKpis(page);
      await page.getByRole('link', { name: 'Customers' }).click();
      await page.waitForURL(/\/customers\?start_date=2025-07-01&end_date=2025-12-31$/);
      await ready(page, 'segments-table');
      const want = await api(stack.apiUrl, '/api/v1/customers/segments/?start_date=2025-07-01&end_date=2025-12-31');
      assert.match(await page.textContent('#segments-table caption'), new RegExp(`^${int(want.total_customers)} customers`));
      await page.goBack();
      await waitKpis(page);
      assert.equal(await page.textContent('h1'), 'Overview');
      assert.deepEqual(unexpected(page), []);
    } finally {
      await page.close();
    }
  });

  test('at phone width the page fits the screen', async () => {
    const page = await openPage(browser, PHONE);
    try {
      await page.goto(`${dash.url}/customers`);
      await ready(page, 'segments-pie');
      await ready(page, 'segments-table');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
      await screenshot(page, 'customers-phone');
      assert.deepEqual(unexpected(page), []);
    } finally {
      await page.close();
    }
  });
});

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** "2025-03-01" -> "Mar 2025" */
const monthName = (iso) => `${MONTHS[Number(iso.slice(5, 7)) - 1]} ${iso.slice(0, 4)}`;
const waitPickers = async (page) => {
  for (const f of ['country', 'category']) await page.waitForSelector(`[data-filter="${f}"][data-loaded="true"]`, { state: 'attached' });
};

/** The breakdown table's rows as the page must write them for an API answer. */
const expectedBreakdown = (b) => b.items.map((i) => [i.key, ...(b.by === 'city' ? [i.country] : []),
  money(i.revenue), pct(i.share), int(i.orders), int(i.units_sold), int(i.customers)]);

describe('filters (SPEC §9)', () => {
  test('country and category pickers come from the data, every panel follows them, the URL keeps them', async () => {
    const page = await openPage(browser);
    try {
      const range = 'start_date=2025-01-01&end_date=2025-06-30';
      const countries = await api(stack.apiUrl, '/api/v1/revenue/breakdown/?by=country&limit=100');
      const categories = await api(stack.apiUrl, '/api/v1/revenue/breakdown/?by=category&limit=100');
      await page.goto(`${dash.url}/?${range}`);
      await waitKpis(page);
      await waitPickers(page);
      const options = (sel) => page.locator(`${sel} option`).allTextContents();
      assert.deepEqual(await options('[data-filter="country"]'), ['All countries', ...countries.items.map((i) => i.key).sort((a, b) => a.localeCompare(b, 'en'))]);
      assert.deepEqual(await options('[data-filter="category"]'), ['All categories', ...categories.items.map((i) => i.key).sort((a, b) => a.localeCompare(b, 'en'))]);

      const country = countries.items[0].key;
      const category = categories.items[0].key;
      await page.locator('select[data-filter="country"]').selectOption(country);
      await page.locator('select[data-filter="category"]').selectOption(category);
      const filters = `${range}&country=${encodeURIComponent(country)}&category=${encodeURIComponent(category)}`;
      await page.waitForURL((u) => u.search === `?${filters}`.replace(/%20/g, '+') || u.search === `?${filters}`);

      const kpis = await api(stack.apiUrl, `/api/v1/kpis/?${filters}`);
      assert.deepEqual(kpis.filters, { country, category });
      const unfiltered = await api(stack.apiUrl, `/api/v1/kpis/?${range}`);
      assert.ok(kpis.total_orders > 0 && kpis.total_orders < unfiltered.total_orders, 'the filter keeps some orders, not all');
      await poll('the filtered KPI cards', async () => JSON.stringify(await kpiCards(page)) === JSON.stringify(expectedKpis(kpis)));

      const trend = await api(stack.apiUrl, `/api/v1/revenue/trends/?granularity=monthly&${filters}`);
      await poll('the filtered trend', async () => JSON.stringify((await traceByName(page, 'trend-chart', 'Revenue')).y) === JSON.stringify(trend.points.map((p) => p.revenue)));
      const top = await api(stack.apiUrl, `/api/v1/products/top-sellers/?metric=revenue&limit=10&${filters}`);
      await poll('the filtered top products', async () => JSON.stringify((await chartData(page, 'top-products-chart'))[0].x) === JSON.stringify(top.items.map((i) => i.revenue).reverse()));
      const breakdown = await api(stack.apiUrl, `/api/v1/revenue/breakdown/?by=country&limit=10&${filters}`);
      assert.equal(breakdown.items.length, 1, 'by country under a country filter: that country alone');
      await poll('the filtered breakdown', async () => JSON.stringify(await tableRows(page, '#breakdown-table')) === JSON.stringify(expectedBreakdown(breakdown)));
      assert.match(await page.textContent('h1 + p'), new RegExp(`${country} · ${category}`));
      await ready(page, 'trend');
      await ready(page, 'top-products');
      await ready(page, 'breakdown');
      await screenshot(page, 'overview-filtered-desktop');

      // A reload shows the same; the pickers keep their values.
      await page.reload();
      assert.deepEqual(await kpiCards(page), expectedKpis(kpis));
      assert.equal(await page.locator('select[data-filter="country"]').inputValue(), country);
      assert.equal(await page.locator('select[data-filter="category"]').inputValue(), category);

      // The other pages follow the same filters.
      await page.getByRole('link', { name: 'Customers' }).click();
      await ready(page, 'segments-table');
      const segments = await api(stack.apiUrl, `/api/v1/customers/segments/?${filters}`);
      assert.match(await page.textContent('#segments-table caption'), new RegExp(`^${int(segments.total_customers)} customers`));
      assert.deepEqual((await tableRows(page, '#segments-table')).map((r) => r[1]), segments.segments.map((x) => int(x.customers)));
      assert.equal(await page.locator('select[data-filter="country"]').inputValue(), country);
      await page.getByRole('link', { name: 'Cohorts' }).click();
      await ready(page, 'cohorts');
      const cohorts = await api(stack.apiUrl, `/api/v1/customers/cohorts/?${filters}`);
      assert.deepEqual((await tableRows(page, '#cohorts-table')).map((r) => r[1]), cohorts.cohorts.map((c) => int(c.customers)));

      // Clearing the filters: back to the whole range, and out of the URL.
      await page.getByRole('button', { name: 'Clear filters' }).click();
      await page.waitForURL((u) => u.search === `?${range}`);
      const all = await api(stack.apiUrl, `/api/v1/customers/cohorts/?${range}`);
      await poll('the unfiltered cohorts', async () => JSON.stringify((await tableRows(page, '#cohorts-table')).map((r) => r[1])) === JSON.stringify(all.cohorts.map((c) => int(c.customers))));
      assert.deepEqual(unexpected(page), []);
    } finally {
      await page.close();
    }
  });

  test('a filter that matches nothing shows zeros and empty panels, not errors', async () => {
    const page = await openPage(browser);
    try {
      await page.goto(`${dash.url}/?country=Atlantis`);
      const k = await api(stack.apiUrl, '/api/v1/kpis/?country=Atlantis');
      assert.equal(k.total_orders, 0);
      assert.deepEqual(await kpiCards(page), expectedKpis(k));
      for (const name of ['trend', 'top-products', 'breakdown']) await page.waitForSelector(`[data-panel="${name}"][data-state="empty"]`);
      await waitPickers(page);
      assert.equal(await page.locator('select[data-filter="country"]').inputValue(), 'Atlantis');
      assert.equal(await page.locator('select[data-filter="country"] option:checked').textContent(), 'Atlantis (no orders)');
      await page.getByRole('link', { name: 'Cohorts' }).click();
      const cohorts = await api(stack.apiUrl, '/api/v1/customers/cohorts/?country=Atlantis');
      assert.ok(cohorts.cohorts.every((c) => c.customers === 0));
      await page.waitForSelector('[data-panel="cohorts"][data-state="empty"]');
      await page.waitForSelector('[data-panel="cohort-sizes"][data-state="empty"]');
      assert.match(await page.textContent('[data-panel="cohorts"]'), /No customers had their first order/);
      assert.deepEqual(unexpected(page), []);
    } finally {
      await page.close();
    }
  });
});

describe('comparison (SPEC §9)', () => {
  test('KPI cards show the change against the previous period or year, the trend draws the comparison', async () => {
    const page = await openPage(browser);
    try {
      const range = 'start_date=2025-01-01&end_date=2025-03-31';
      await page.goto(`${dash.url}/?${range}`);
      for (const [compare, label] of [['previous_period', 'previous period'], ['previous_year', 'previous year']]) {
        if (compare === 'previous_year') {
          await page.locator('[data-switch="compare"] label', { hasText: 'Previous year' }).click();
          await page.waitForURL((u) => u.search === `?${range}&compare=previous_year`);
        }
        const k = await api(stack.apiUrl, `/api/v1/kpis/?${range}&compare=${compare}`);
        assert.ok(k.comparison && k.comparison.total_orders > 0, `the ${label} has orders`);
        const want = expectedDeltas(k, label);
        await poll(`the changes against the ${label}`, async () => JSON.stringify(await kpiDeltas(page)) === JSON.stringify(want));
        assert.match(await page.textContent('.kpis__sub'), new RegExp(`against the ${label}`));
        // The direction is in the markup (for the colour) and in the text (arrow, sign, words).
        const trends = await page.locator('[data-kpi] .kpi__delta').evaluateAll((ps) => ps.map((p) => p.dataset.trend));
        assert.deepEqual(trends, KPI_FIELDS.map(([, field]) => {
          const c = k.comparison.change[field];
          return c === null ? 'none' : pct(c) === '0.0%' ? 'flat' : c > 0 ? 'up' : 'down';
        }));
        const t = await api(stack.apiUrl, `/api/v1/revenue/trends/?granularity=monthly&${range}&compare=${compare}`);
        const name = `Revenue, ${label}`;
        const line = await poll(`the trend's ${label} line`, () => traceByName(page, 'trend-chart', name));
        assert.deepEqual(line.y, t.comparison.points.slice(0, t.points.length).map((p) => p.revenue));
        assert.deepEqual(line.x, t.points.map((p) => p.period).slice(0, line.y.length));
        assert.deepEqual((await traceByName(page, 'trend-chart', 'Revenue')).y, t.points.map((p) => p.revenue));
        await ready(page, 'trend');
        assert.equal(await traceCount(page, 'trend-chart'), 3);
      }
      await screenshot(page, 'overview-compare-desktop');
      // The choice is in the URL: a reload keeps it.
      await page.reload();
      await waitKpis(page);
      assert.ok(await page.locator('[data-switch="compare"] input[value="previous_year"]').isChecked());
      assert.deepEqual(await a11yProblems(page), []);

      const phone = await openPage(browser, PHONE);
      await phone.goto(`${dash.url}/?${range}&compare=previous_year`);
      await waitKpis(phone);
      await ready(phone, 'trend');
      await ready(phone, 'breakdown');
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
      await screenshot(phone, 'overview-compare-phone');
      assert.deepEqual(unexpected(phone), []);
      await phone.close();
      assert.deepEqual(unexpected(page), []);
    } finally {
      await page.close();
    }
  });
});

describe('breakdown (SPEC §9)', () => {
  test('by country, category and city: the bars and the table equal the API', async () => {
    const page = await openPage(browser);
    try {
      await page.goto(`${dash.url}/`);
      for (const [by, label] of [['country', 'Country'], ['category', 'Category'], ['city', 'City']]) {
        if (by !== 'country') await page.locator('[data-switch="breakdown"] label', { hasText: label }).click();
        const b = await api(stack.apiUrl, `/api/v1/revenue/breakdown/?by=${by}&limit=10`);
        assert.ok(b.items.length > 1);
        const rows = await poll(`the breakdown by ${by}`, async () => {
          const r = await tableRows(page, `#breakdown-table[data-by="${by}"]`);
          return r.length && r;
        });
        assert.deepEqual(rows, expectedBreakdown(b));
        const foot = await page.locator('#breakdown-table tfoot tr').evaluate((tr) => [...tr.children].map((c) => c.textContent));
        assert.deepEqual(foot.filter(Boolean), ['All', money(b.total.revenue), '100.0%', int(b.total.orders), int(b.total.units_sold), int(b.total.customers)]);
        const bars = (await chartData(page, 'breakdown-chart'))[0];
        assert.deepEqual(bars.x, b.items.map((i) => i.revenue).reverse());
        assert.deepEqual(bars.y, b.items.map((i) => (by === 'city' ? `${i.key}, ${i.country}` : i.key)).reverse());
      }
      await ready(page, 'breakdown');
      assert.equal(await page.locator('#breakdown-chart .trace .point').count(), 10);
      assert.deepEqual(unexpected(page), []);
    } finally {
      await page.close();
    }
  });
});

describe('cohorts (SPEC §9)', () => {
  async function checkCohorts(page, want, varied = true) {
    await ready(page, 'cohorts');
    await ready(page, 'cohort-sizes');
    const rows = await page.locator('#cohorts-table tbody tr').evaluateAll((trs) => trs.map((tr) => ({
      cohort: tr.dataset.cohort, cells: [...tr.children].map((c) => c.textContent),
      colours: [...tr.querySelectorAll('td.heat__cell')].map((c) => c.style.backgroundColor),
    })));
    const months = Math.max(...want.cohorts.map((c) => c.periods.length));
    assert.deepEqual(rows.map((r) => r.cohort), want.cohorts.map((c) => c.cohort));
    assert.deepEqual(rows.map((r) => r.cells), want.cohorts.map((c) => [monthName(c.cohort), int(c.customers),
      ...Array.from({ length: months }, (_, k) => (!c.periods[k] ? '' : c.customers ? pct(c.periods[k].retention) : '–'))]));
    assert.ok(rows.every((r) => r.colours.every(Boolean)), 'every cell has its colour');
    if (varied) assert.ok(new Set(rows.flatMap((r) => r.colours)).size > 3, 'the colours vary with the retention');
    const bars = (await chartData(page, 'cohort-sizes-chart'))[0];
    assert.deepEqual(bars.y, want.cohorts.map((c) => c.customers));
  }

  test('the retention heatmap and the cohort sizes equal the API, on a direct load and a reload', async () => {
    const page = await openPage(browser);
    try {
      const want = await api(stack.apiUrl, '/api/v1/customers/cohorts/');
      assert.ok(want.cohorts.length >= 12);
      await page.goto(`${dash.url}/cohorts`);
      assert.equal(await page.textContent('h1'), 'Cohorts');
      await checkCohorts(page, want);
      assert.match(await page.textContent('h1 + p'), new RegExp(`^${int(want.cohorts.reduce((s, c) => s + c.customers, 0))} customers`));
      assert.equal(await page.getAttribute('.navbar__links a[href="/cohorts"]', 'aria-current'), 'page');
      await screenshot(page, 'cohorts-desktop');
      await page.reload();
      await checkCohorts(page, want);
      assert.deepEqual(await a11yProblems(page), []);

      // A range and a filter, straight from the URL.
      const countries = await api(stack.apiUrl, '/api/v1/revenue/breakdown/?by=country&limit=1');
      const q = `start_date=2025-01-01&end_date=2025-06-30&country=${encodeURIComponent(countries.items[0].key)}`;
      await page.goto(`${dash.url}/cohorts?${q}`);
      const filtered = await api(stack.apiUrl, `/api/v1/customers/cohorts/?${q}`);
      assert.ok(filtered.cohorts.length > 0);
      await checkCohorts(page, filtered, false);
      assert.deepEqual(unexpected(page), []);
    } finally {
      await page.close();
    }
  });

  test('at phone width the page fits the screen', async () => {
    const page = await openPage(browser, PHONE);
    try {
      await page.goto(`${dash.url}/cohorts`);
      await checkCohorts(page, await api(stack.apiUrl, '/api/v1/customers/cohorts/'));
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
      await screenshot(page, 'cohorts-phone');
      assert.deepEqual(unexpected(page), []);
    } finally {
      await page.close();
    }
  });
});

/* ---- the Data and Loads pages (SPEC §10, issue 19) ----------------------------------------- */

/** "2025-03-01" -> "Mar 1, 2025"; null -> "–" */
const day = (iso) => {
  if (!iso) return '–';
  const [y, m, d] = iso.split('-').map(Number);
  return `${MONTHS[m - 1]} ${d}, ${y}`;
};
const bearer = () => ({ Authorization: `Bearer ${jwt(stack.info.jwt_secret, { sub: 'dashboard-tester' })}` });
const customerRow = (c) => [c.customer_id, c.name, c.email, c.city, c.country, day(c.first_order_date), day(c.last_order_date), int(c.orders), money(c.revenue)];
const productRow = (p) => [p.product_id, p.name, p.category, day(p.first_order_date), day(p.last_order_date), int(p.orders), int(p.units_sold), money(p.revenue)];

/** Waits until the table shows the API's answer to query (on path) as rows. */
async function showsApi(page, tableId, path, query, row) {
  const want = await api(stack.apiUrl, `${path}?${new URLSearchParams(query)}`, { headers: bearer() });
  const expected = want.results.map(row);
  await poll(`${tableId} to show ${path}?${new URLSearchParams(query)}`, async () => JSON.stringify(await tableRows(page, `#${tableId}`)) === JSON.stringify(expected));
  return want;
}

async function pasteToken(page) {
  await page.getByLabel(/Access token/).fill(jwt(stack.info.jwt_secret, { sub: 'dashboard-tester' }));
  await page.getByRole('button', { name: 'Use token' }).click();
}

describe('data (SPEC §10)', () => {
  test('customers: sign-in, search, country, sorting, pages, and a customer\'s orders', async (t) => {
    if (!stack.has('customer', 'orders')) { t.skip('ecom-customer and ecom-orders are needed'); return; }
    const page = await openPage(browser);
    try {
      await page.goto(`${dash.url}/data`);
      await page.waitForSelector('[data-panel="customer-list"][data-state="signed-out"]');
      assert.match(await page.textContent('[data-notice="signed-out"]'), /Sign in to see the customers/);
      await pasteToken(page);
      await ready(page, 'customer-list');
      const path = '/api/v1/customers/';
      const first = await showsApi(page, 'customer-list-table', path, { page_size: 20 }, customerRow);
      assert.match(await page.textContent('[data-panel="customer-list"] .panel__sub'), new RegExp(`of ${int(first.count)} customers`));

      // Sorting by a column header sets the API's ordering; the header says so.
      await page.getByRole('button', { name: 'Revenue' }).click();
      await showsApi(page, 'customer-list-table', path, { ordering: '-revenue', page_size: 20 }, customerRow);
      assert.equal(await page.getAttribute('th[aria-sort] button', 'data-ordering'), '-revenue');
      await page.getByRole('button', { name: 'Next' }).click();
      await showsApi(page, 'customer-list-table', path, { ordering: '-revenue', page: 2, page_size: 20 }, customerRow);
      await page.getByRole('button', { name: 'Last order' }).click();
      await showsApi(page, 'customer-list-table', path, { ordering: '-last_order_date', page_size: 20 }, customerRow);

      // A search (case-insensitive, a piece of a name) and a country together.
      const someone = first.results[3];
      const piece = someone.name.split(' ')[1].slice(0, 3).toUpperCase();
      await page.getByLabel('Search', { exact: true }).fill(piece);
      await showsApi(page, 'customer-list-table', path, { search: piece, ordering: '-last_order_date', page_size: 20 }, customerRow);
      await page.waitForSelector('[data-list="filter"][data-loaded="true"]', { state: 'attached' });
      await page.selectOption('[data-list="filter"]', someone.country);
      const both = await showsApi(page, 'customer-list-table', path, { search: piece, country: someone.country, ordering: '-last_order_date', page_size: 20 }, customerRow);
      assert.ok(both.results.some((c) => c.customer_id === someone.customer_id));
      await page.getByLabel('Search', { exact: true }).fill('no customer is called this');
      await page.waitForSelector('[data-panel="customer-list"][data-state="empty"]');
      assert.match(await page.textContent('[data-panel="customer-list"]'), /No customers match/);

      // A customer's row opens that customer's orders (the order list by customer_id).
      await page.getByLabel('Search', { exact: true }).fill(someone.customer_id);
      await showsApi(page, 'customer-list-table', path, { search: someone.customer_id, country: someone.country, ordering: '-last_order_date', page_size: 20 }, customerRow);
      await page.getByRole('button', { name: someone.customer_id, exact: true }).click();
      await ready(page, 'orders');
      const orders = await api(stack.apiUrl, `/api/v1/orders/?customer_id=${encodeURIComponent(someone.customer_id)}&page_size=10`, { headers: bearer() });
      assert.equal(orders.count, someone.orders);
      assert.deepEqual((await tableRows(page, '#orders-table')).map((r) => r[0]), orders.results.map((o) => o.order_id));
      assert.ok((await tableRows(page, '#orders-table')).every((r) => r[2] === someone.name));
      assert.match(await page.textContent('[data-panel="orders"] h2'), new RegExp(`Orders of ${someone.name}`));
      await screenshot(page, 'data-customers-desktop');
      assert.deepEqual(unexpected(page), []);
    } finally {
      await page.close();
    }
  });

  test('products: the tab, category, sorting; a direct load and a reload keep the tab', async (t) => {
    if (!stack.has('product')) { t.skip('ecom-product is needed'); return; }
    const page = await openPage(browser);
    try {
      await page.goto(`${dash.url}/data`);
      await pasteToken(page);
      await ready(page, 'customer-list');
      await page.getByRole('tab', { name: 'Products' }).click();
      await ready(page, 'product-list');
      const path = '/api/v1/products/';
      const all = await showsApi(page, 'product-list-table', path, { page_size: 20 }, productRow);
      assert.equal(await page.getAttribute('[role="tab"][data-tab="products"]', 'aria-selected'), 'true');
      await page.getByRole('button', { name: 'Units sold' }).click();
      await showsApi(page, 'product-list-table', path, { ordering: '-units_sold', page_size: 20 }, productRow);
      await page.waitForSelector('[data-list="filter"][data-loaded="true"]', { state: 'attached' });
      const category = all.results[0].category;
      await page.selectOption('[data-list="filter"]', category);
      await showsApi(page, 'product-list-table', path, { category, ordering: '-units_sold', page_size: 20 }, productRow);
      await page.reload();
      await ready(page, 'product-list');
      await showsApi(page, 'product-list-table', path, { page_size: 20 }, productRow);
      await screenshot(page, 'data-products-desktop');
      assert.deepEqual(unexpected(page), []);
    } finally {
      await page.close();
    }
  });

  test('at phone width the page fits the screen', async (t) => {
    if (!stack.has('customer')) { t.skip('ecom-customer is needed'); return; }
    const page = await openPage(browser, PHONE);
    try {
      await page.goto(`${dash.url}/data`);
      await pasteToken(page);
      await ready(page, 'customer-list');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
      await screenshot(page, 'data-phone');
      assert.deepEqual(unexpected(page), []);
    } finally {
      await page.close();
    }
  });
});

describe('loads (SPEC §10)', () => {
  test('the runs, the next scheduled run, "Run now" and a run\'s rejected rows', async (t) => {
    if (!stack.has('etl')) { t.skip('ecom-etl is needed'); return; }
    const page = await openPage(browser);
    try {
      await page.goto(`${dash.url}/loads`);
      await page.waitForSelector('[data-panel="loads"][data-state="signed-out"]');
      await pasteToken(page);
      await page.waitForSelector('[data-panel="loads"][data-state="empty"], [data-panel="loads"][data-state="ready"]');
      const before = await api(stack.apiUrl, '/api/v1/etl/status/', { headers: bearer() });
      assert.equal(await page.getAttribute('[data-panel="loads"] .panel__sub', 'data-next-run'), before.next_run_at);
      assert.match(await page.textContent('[data-panel="loads"] .panel__sub'), /Next scheduled run: .* UTC \(every 86,400 s\)/);

      await page.getByRole('button', { name: 'Run now' }).click();
      await page.waitForSelector('.run-message[data-task-id]');
      const task = await page.getAttribute('.run-message', 'data-task-id');
      // The panel refreshes itself while the run is queued or running.
      await page.waitForSelector(`#loads-table tr[data-task-id="${task}"][data-status="success"]`, { timeout: 60000 });
      const status = await api(stack.apiUrl, '/api/v1/etl/status/', { headers: bearer() });
      const run = status.runs.find((r) => r.task_id === task);
      assert.deepEqual([run.rows_read, run.rows_loaded, run.rows_skipped, run.rows_rejected], [5, 2, 0, 3]);
      const row = (await tableRows(page, '#loads-table'))[status.runs.findIndex((r) => r.task_id === task)];
      assert.deepEqual(row.slice(1, 3), ['manual', 'success']);
      assert.deepEqual(row.slice(5, 9), ['5', '2', '0', '3']);

      await page.click(`#loads-table tr[data-task-id="${task}"] [data-action="rejects"]`);
      await ready(page, 'rejects');
      const rejects = await api(stack.apiUrl, `/api/v1/etl/runs/${task}/rejects/`, { headers: bearer() });
      assert.deepEqual(rejects.results.map((r) => r.line), [3, 5, 6]);
      assert.deepEqual(await tableRows(page, '#rejects-table'), rejects.results.map((r) => [String(r.line), r.reason, r.raw]));
      await screenshot(page, 'loads-desktop');
      assert.deepEqual(unexpected(page), []);
    } finally {
      await page.close();
    }
  });
});

describe('download CSV (SPEC §10)', () => {
  /** The rows of an RFC 4180 text (quoted fields, doubled quotes, CRLF line ends). */
  function parseCsv(text) {
    const rows = [];
    let row = [];
    let field = '';
    let quoted = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (quoted) {
        if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
      } else if (c === '"') quoted = true;
      else if (c === ',') { row.push(field); field = ''; } else if (c === '\r' && text[i + 1] === '\n') {
        row.push(field); rows.push(row); row = []; field = ''; i++;
      } else field += c;
    }
    return rows;
  }

  /** Clicks the download link of panel and returns the downloaded file's name and rows. */
  async function download(page, selector) {
    const [file] = await Promise.all([page.waitForEvent('download'), page.locator(selector).click()]);
    const stream = await file.createReadStream();
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    return { name: file.suggestedFilename(), rows: parseCsv(Buffer.concat(chunks).toString('utf8')) };
  }

  test('each overview panel downloads what it shows: the same range, switches and figures', async () => {
    const page = await openPage(browser, { ...DESKTOP, acceptDownloads: true });
    try {
      await page.goto(`${dash.url}/?start_date=2025-03-01&end_date=2025-08-31`);
      await ready(page, 'trend');
      await ready(page, 'top-products');
      await waitKpis(page);
      const range = 'start_date=2025-03-01&end_date=2025-08-31';

      const kpis = await download(page, '[data-panel="kpis"] a.download');
      const k = await api(stack.apiUrl, `/api/v1/kpis/?${range}`);
      assert.equal(kpis.name, 'kpis.csv');
      assert.equal(kpis.rows.length, 2, 'a header and one row');
      const kpiRow = Object.fromEntries(kpis.rows[0].map((name, i) => [name, kpis.rows[1][i]]));
      assert.equal(kpiRow.start_date, k.start_date);
      assert.equal(Number(kpiRow.total_revenue), k.total_revenue);
      assert.equal(Number(kpiRow.total_orders), k.total_orders);
      assert.equal(Number(kpiRow.unique_customers), k.unique_customers);

      await page.locator('[data-switch="granularity"] label', { hasText: 'Weekly' }).click();
      await poll('the weekly download link', () => page.getAttribute('[data-panel="trend"] a.download', 'href').then((h) => h.includes('granularity=weekly')));
      const trend = await download(page, '[data-panel="trend"] a.download');
      const t = await api(stack.apiUrl, `/api/v1/revenue/trends/?${range}&granularity=weekly`);
      assert.equal(trend.name, 'revenue-trends.csv');
      assert.deepEqual(trend.rows[0], ['period', 'revenue', 'orders']);
      assert.deepEqual(trend.rows.slice(1).map((r) => [r[0], Number(r[1]), Number(r[2])]),
        t.points.map((p) => [p.period, p.revenue, p.orders]));

      const top = await download(page, '[data-panel="top-products"] a.download');
      const want = await api(stack.apiUrl, `/api/v1/products/top-sellers/?${range}&metric=revenue&limit=10`);
      assert.equal(top.name, 'top-sellers.csv');
      const idCol = top.rows[0].indexOf('product_id');
      assert.deepEqual(top.rows.slice(1).map((r) => r[idCol]), want.items.map((i) => i.product_id));
      assert.deepEqual(unexpected(page), []);
    } finally {
      await page.close();
    }
  });

  test('the lists download every matching row, with the sign-in', async (t) => {
    if (!stack.has('customer', 'orders')) { t.skip('ecom-customer and ecom-orders are needed'); return; }
    const page = await openPage(browser, { ...DESKTOP, acceptDownloads: true });
    try {
      await page.goto(`${dash.url}/data`);
      await page.waitForSelector('[data-panel="customer-list"][data-state="signed-out"]');
      await pasteToken(page);
      await ready(page, 'customer-list');
      await page.getByRole('button', { name: 'Revenue' }).click();
      await page.waitForSelector('th[aria-sort] button[data-ordering="-revenue"]');
      await ready(page, 'customer-list');
      const customers = await download(page, '[data-panel="customer-list"] button.download');
      const all = await api(stack.apiUrl, '/api/v1/customers/?ordering=-revenue&page_size=100', { headers: bearer() });
      assert.equal(customers.name, 'customers.csv');
      assert.equal(customers.rows.length - 1, all.count, 'every customer, not a page');
      const idCol = customers.rows[0].indexOf('customer_id');
      assert.deepEqual(customers.rows.slice(1, 101).map((r) => r[idCol]), all.results.map((c) => c.customer_id));

      await page.goto(`${dash.url}/?start_date=2025-10-01&end_date=2025-12-31`);
      await ready(page, 'orders');
      const orders = await download(page, '[data-panel="orders"] button.download');
      const want = await api(stack.apiUrl, '/api/v1/orders/?start_date=2025-10-01&end_date=2025-12-31&page_size=100', { headers: bearer() });
      assert.equal(orders.name, 'orders.csv');
      assert.equal(orders.rows.length - 1, want.count, 'every order of the range');
      assert.deepEqual(orders.rows.slice(1, 101).map((r) => r[0]), want.results.map((o) => o.order_id));
      assert.deepEqual(unexpected(page), []);
    } finally {
      await page.close();
    }
  });

  test('segments and cohorts download their tables', async () => {
    const page = await openPage(browser, { ...DESKTOP, acceptDownloads: true });
    try {
      await page.goto(`${dash.url}/customers`);
      await ready(page, 'segments-table');
      const segments = await download(page, '[data-panel="segments-table"] a.download');
      const s = await api(stack.apiUrl, '/api/v1/customers/segments/');
      assert.equal(segments.name, 'customer-segments.csv');
      assert.deepEqual(segments.rows.slice(1).map((r) => [r[0], Number(r[1])]), s.segments.map((x) => [x.segment, x.customers]));

      await page.goto(`${dash.url}/cohorts`);
      await ready(page, 'cohort-sizes');
      const cohorts = await download(page, '[data-panel="cohort-sizes"] a.download');
      const c = await api(stack.apiUrl, '/api/v1/customers/cohorts/');
      assert.equal(cohorts.name, 'customer-cohorts.csv');
      assert.equal(cohorts.rows.length - 1, c.cohorts.reduce((n, x) => n + x.periods.length, 0), 'one row per cohort and month');
      assert.deepEqual(unexpected(page), []);
    } finally {
      await page.close();
    }
  });
});

describe('API down', () => {
  test('with the gateway stopped the page says so, and recovers when it is back', async () => {
    const page = await openPage(browser, DESKTOP);
    try {
      await stack.command('stop gateway');
      await page.goto(`${dash.url}/`);
      await page.waitForSelector('#banner:not([hidden])', { timeout: 20000 });
      assert.match(await page.textContent('#banner'), /The analytics API is not available/);
      assert.match(await page.textContent('#banner'), /not reachable \(HTTP 502\)/);
      await page.waitForSelector('[data-panel="trend"][data-state="error"]');
      await page.waitForSelector('[data-panel="orders"][data-state="signed-out"]');
      assert.equal(await kpiText(page, 'revenue'), 'Unavailable');
      assert.match(await page.textContent('[data-panel="trend"]'), /Could not load the revenue trend/);
      assert.match(await page.textContent('#api-status'), /API unreachable/);
      await screenshot(page, 'overview-api-down-desktop');
      const phone = await openPage(browser, PHONE);
      await phone.goto(`${dash.url}/customers`);
      await phone.waitForSelector('[data-panel="segments-table"][data-state="error"]');
      await phone.waitForSelector('#banner:not([hidden])');
      await screenshot(phone, 'customers-api-down-phone');
      await phone.close();

      await stack.command('start gateway');
      // The page checks /healthz every few seconds while the API is away, then reloads.
      await page.waitForFunction(() => document.getElementById('banner').hidden, null, { timeout: 30000 });
      await waitKpis(page);
      await ready(page, 'trend');
      const want = expectedKpis(await api(stack.apiUrl, '/api/v1/kpis/'));
      assert.deepEqual(await kpiCards(page), want);
      // Only the browser's own notes about the failed requests may be in the console.
      assert.deepEqual(unexpected(page, /^50[23] \/(api\/|healthz)/), []);
    } finally {
      await page.close();
    }
  });
});
