// Browser tests of the dashboard (SPEC §8, issue 8), in Debian's Chromium against the real
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

/** page.problems but the expected ones: /healthz is 503 in this stack (it runs no ETL
 *  service), and each test names the HTTP errors it provokes. */
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
  };
}

function expectedKpis(k) {
  return { revenue: money(k.total_revenue), orders: int(k.total_orders), aov: money(k.average_order_value), customers: int(k.unique_customers) };
}

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
      assert.equal(await traceCount(page, 'trend-chart'), 2, 'revenue and orders traces drawn');
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
      assert.equal(await traceCount(page, 'trend-chart'), 2);
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
