// The KPI cards of the Overview: five figures for the range and the filters, each with its
// change against the previous period or the previous year (SPEC §9's `compare`), shown as an
// arrow, a signed percentage and words, so that the colour is never the only cue.
import { get } from '../api.js';
import { el, newId, switchGroup } from '../dom.js';
import { formatDate, formatFraction, formatInt, formatMoney } from '../format.js';
import { COMPARES, apiParams } from '../query.js';
import { downloadLink, loader } from '../views/panel.js';

const CARDS = [
  { key: 'revenue', field: 'total_revenue', label: 'Revenue', format: formatMoney, note: (k) => `${formatInt(k.units_sold)} units sold` },
  { key: 'orders', field: 'total_orders', label: 'Orders', format: formatInt, note: () => 'orders placed in the range' },
  { key: 'aov', field: 'average_order_value', label: 'Average order value', format: formatMoney, note: () => 'revenue ÷ orders' },
  { key: 'customers', field: 'unique_customers', label: 'Customers', format: formatInt, note: (k) => `${formatInt(k.returning_customers)} returning, ${formatInt(k.new_customers)} new` },
  { key: 'new-customers', field: 'new_customers', label: 'New customers', format: formatInt, note: () => 'first order ever in the range' },
];

/** A change (a fraction rounded to 4 decimals by the API) as "+12.4%" / "−3.0%" / "0.0%". */
export function formatChange(change) {
  const text = formatFraction(change);
  if (text === '0.0%') return text;
  return `${change > 0 ? '+' : '−'}${text}`;
}

/** The delta line of one card: [direction, arrow, change text, words]; label names the
 *  comparison range ("previous period"). */
function delta(change, previous, format, label) {
  if (change === null || change === undefined) return ['none', '–', '', `nothing in the ${label}`];
  const text = formatChange(change);
  if (text.startsWith('+')) return ['up', '▲', text, `up from ${format(previous)}`];
  if (text.startsWith('−')) return ['down', '▼', text, `down from ${format(previous)}`];
  return ['flat', '●', text, `unchanged from ${format(previous)}`];
}

/** kpiCards({query, onCompare(value), onRange(start, end, error)}) -> {node, load(query), abort()}.
 *  onRange gets the effective range of each answer (for the filter bar and the page's
 *  summary line; null dates when there is no data at all). */
export function kpiCards({ query, onCompare, onRange }) {
  const cards = CARDS.map((c) => {
    const value = el('p', { class: 'kpi__value', text: '…' });
    const deltaNode = el('p', { class: 'kpi__delta', text: '\u00a0' });
    const note = el('p', { class: 'kpi__note', text: '\u00a0' });
    const node = el('article', { class: 'card kpi', dataset: { kpi: c.key, state: 'loading' }, 'aria-busy': 'true' },
      el('h3', { class: 'kpi__label', text: c.label }), value, deltaNode, note);
    return { ...c, node, valueNode: value, deltaNode, noteNode: note };
  });
  const headingId = newId('kpis');
  const sub = el('p', { class: 'kpis__sub', text: '\u00a0' });
  const download = downloadLink('key figures');
  const node = el('section', { class: 'kpis', 'aria-labelledby': headingId, dataset: { panel: 'kpis', state: 'loading' } },
    el('div', { class: 'kpis__head' },
      el('div', {}, el('h2', { id: headingId, text: 'Key figures' }), sub),
      el('div', { class: 'kpis__compare' },
        el('span', { 'aria-hidden': 'true', text: 'Compare with' }),
        switchGroup('Compare with', 'compare', COMPARES, query.compare, onCompare), download.node)),
    el('div', { class: 'kpis__cards' }, cards.map((c) => c.node)));

  const { load, abort } = loader({
    node,
    start() {
      for (const c of cards) { c.node.dataset.state = 'loading'; c.node.setAttribute('aria-busy', 'true'); }
    },
    fail(what, error, retry) {
      for (const c of cards) {
        c.valueNode.textContent = 'Unavailable';
        c.deltaNode.textContent = '\u00a0';
        delete c.deltaNode.dataset.trend;
        c.noteNode.textContent = error.isOutage ? 'The API is not reachable.' : error.message;
        c.node.dataset.state = 'error';
        c.node.removeAttribute('aria-busy');
      }
      sub.replaceChildren('The figures could not be loaded. ',
        el('button', { class: 'btn btn--ghost btn--small', type: 'button', onclick: retry }, 'Try again'));
      onRange(null, null, error);
    },
  });

  function render(k) {
    const cmp = k.comparison;
    const label = (COMPARES.find(([v]) => v === k.compare) || COMPARES[0])[1].toLowerCase();
    for (const c of cards) {
      c.valueNode.textContent = c.format(k[c.field]);
      c.noteNode.textContent = c.note(k);
      if (cmp) {
        const [trend, arrow, change, words] = delta(cmp.change[c.field], cmp[c.field], c.format, label);
        c.deltaNode.replaceChildren(
          el('span', { class: 'kpi__arrow', 'aria-hidden': 'true', text: arrow }), ' ',
          change && el('span', { class: 'kpi__change', text: change }), change && ' ',
          el('span', { class: 'kpi__words', text: words }));
        c.deltaNode.dataset.trend = trend;
        c.deltaNode.title = `${c.label} in the ${label}: ${c.format(cmp[c.field])}`;
      } else {
        c.deltaNode.textContent = '\u00a0';
        delete c.deltaNode.dataset.trend;
      }
      c.node.dataset.state = 'ready';
      c.node.removeAttribute('aria-busy');
    }
    sub.textContent = cmp
      ? `Changes against the ${label}, ${formatDate(cmp.start_date)} – ${formatDate(cmp.end_date)}`
      : 'No orders to compare with.';
    onRange(k.start_date, k.end_date, null);
  }

  return {
    node,
    abort,
    load(q) {
      download.set('/api/v1/kpis/', apiParams(q));
      return load('the key figures', (signal) => get('/api/v1/kpis/', { ...apiParams(q), compare: q.compare }, { signal }),
        (k) => render({ ...k, compare: q.compare }));
    },
  };
}
