// The dashboard's entry point: a small client-side router over the pages, the navbar, the
// outage banner and the API status light. Pages live in views/; each exports
// mount(container, ctx) and returns a function that unmounts it.
import { health, onReachability } from './api.js';
import { el, replace } from './dom.js';
import * as overview from './views/overview.js';
import * as customers from './views/customers.js';
import * as cohorts from './views/cohorts.js';
import * as data from './views/data.js';
import * as loads from './views/loads.js';
import { readQuery, writeQuery } from './query.js';

const ROUTES = {
  '/': { view: overview, title: 'Overview' },
  '/customers': { view: customers, title: 'Customers' },
  '/cohorts': { view: cohorts, title: 'Cohorts' },
  '/data': { view: data, title: 'Data' },
  '/loads': { view: loads, title: 'Loads' },
};

const viewNode = document.getElementById('view');
const banner = document.getElementById('banner');
const statusNode = document.getElementById('api-status');
let unmount = null;

/** The filters shared by every page (dates, country, category, comparison), kept in the
 *  URL so that a reload or a shared link shows the same thing: query.js. */
function setQuery(changes) {
  const url = writeQuery(window.location.search, changes);
  window.history.replaceState(null, '', window.location.pathname + url);
}

function normalisedPath() {
  const p = window.location.pathname.replace(/\/+$/, '');
  return p === '' ? '/' : p;
}

function render() {
  if (unmount) unmount();
  unmount = null;
  const path = normalisedPath();
  const route = ROUTES[path];
  for (const a of document.querySelectorAll('.navbar__links a')) {
    if (new URL(a.href).pathname === path) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (!route) {
    document.title = 'Page not found · Ecommerce analytics';
    replace(viewNode, el('div', { class: 'page-head' }, el('div', {},
      el('h1', { text: 'Page not found' }),
      el('p', {}, 'There is no page at ', el('code', { text: path }), '. Go to the ',
        el('a', { href: '/', dataset: { route: '' } }, 'Overview'), '.'))));
    return;
  }
  document.title = `${route.title} · Ecommerce analytics`;
  viewNode.replaceChildren();
  unmount = route.view.mount(viewNode, { query: readQuery(window.location.search), setQuery });
}

function navigate(href) {
  const url = new URL(href, window.location.href);
  // Keep the filters across pages.
  const range = new URLSearchParams(window.location.search);
  if (!url.search && range.toString()) url.search = range.toString();
  window.history.pushState(null, '', url.pathname + url.search);
  hideBanner();
  render();
  document.getElementById('main').focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

document.addEventListener('click', (e) => {
  const a = e.target.closest('a[data-route]');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  navigate(a.href);
});
window.addEventListener('popstate', render);

/* ---- reachability: banner and status light ------------------------------------------ */

function showBanner(error) {
  replace(banner,
    el('div', { class: 'banner__text' },
      el('strong', { text: 'The analytics API is not available.' }),
      el('p', { text: error.message }),
      el('p', { text: 'The page checks again every few seconds and reloads its data when the API is back.' })),
    el('button', { class: 'btn btn--small', type: 'button', onclick: () => { hideBanner(); render(); } }, 'Try again now'));
  banner.hidden = false;
  setStatus('down', 'API unreachable');
  scheduleHealth(5000);
}

function hideBanner() {
  banner.hidden = true;
  banner.replaceChildren();
}

function setStatus(state, text) {
  statusNode.dataset.state = state;
  statusNode.querySelector('.api-status__text').textContent = text;
}

onReachability((error) => {
  if (error) showBanner(error);
  else if (!banner.hidden) hideBanner();
});

let healthTimer = null;
function scheduleHealth(ms) {
  clearTimeout(healthTimer);
  healthTimer = setTimeout(checkHealth, ms);
}

async function checkHealth() {
  const wasDown = !banner.hidden;
  const h = await health();
  if (h.ok) {
    setStatus('up', 'API online');
    if (wasDown) { hideBanner(); render(); }
  } else if (h.body && h.body.services) {
    const down = Object.entries(h.body.services).filter(([, s]) => !s.workers).map(([n]) => n);
    setStatus('degraded', down.length ? `Services down: ${down.join(', ')}` : 'API degraded');
    if (wasDown) { hideBanner(); render(); }
  } else {
    setStatus('down', 'API unreachable');
  }
  scheduleHealth(banner.hidden ? 30000 : 5000);
}

render();
checkHealth();
