// Where the revenue comes from: the breakdown (SPEC §9) by country, category or city, as a
// bar chart of the revenue and a table with the orders, units, customers and share of each.
import { get } from '../api.js';
import { el, replace, switchGroup } from '../dom.js';
import { breakdownChart, plotlyMissing, plotlyMissingBox } from '../charts.js';
import { formatInt, formatMoney, formatFraction } from '../format.js';
import { apiParams, filterText } from '../query.js';
import { panel } from '../views/panel.js';

const BY = [['country', 'Country'], ['category', 'Category'], ['city', 'City']];
const LIMIT = 10;

/** The label of an item: the key, and for a city its country too. */
export const itemLabel = (by, i) => (by === 'city' ? `${i.key}, ${i.country}` : i.key);

/** breakdownPanel() -> {node, load(query), abort(), destroy()}. */
export function breakdownPanel() {
  let by = 'country';
  let query = null;
  const p = panel({
    title: 'Revenue breakdown', name: 'breakdown', wide: true, download: true,
    controls: switchGroup('Break down by', 'breakdown', BY, by, (b) => { by = b; load(query); }),
  });
  const chart = el('div', { class: 'chart', id: 'breakdown-chart', role: 'img', 'aria-label': 'Revenue breakdown chart' });
  const tableWrap = el('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Revenue breakdown table' });

  function load(q) {
    query = q;
    const params = { ...apiParams(q), by, limit: LIMIT };
    p.download.set('/api/v1/revenue/breakdown/', params);
    p.load('the revenue breakdown',
      (signal) => get('/api/v1/revenue/breakdown/', params, { signal }),
      (b) => render(b, q));
  }

  async function render(b, q) {
    const items = b.items || [];
    const name = (BY.find(([v]) => v === b.by) || BY[0])[1];
    const filters = filterText(q);
    const nouns = { country: ['country', 'countries'], category: ['category', 'categories'], city: ['city', 'cities'] }[b.by] || ['item', 'items'];
    const what = items.length === 1 ? `The one ${nouns[0]}` : items.length < LIMIT ? `All ${items.length} ${nouns[1]}` : `The top ${LIMIT} ${nouns[1]}`;
    p.sub.textContent = `${what} by revenue${filters ? ` · ${filters}` : ''}`;
    if (!items.length) {
      replace(p.body, el('div', { class: 'state', text: 'No orders in this date range.' }));
      return 'empty';
    }
    const num = (text) => el('td', { class: 'num', text });
    const t = b.total;
    replace(tableWrap, el('table', { id: 'breakdown-table', dataset: { by: b.by } },
      el('caption', { text: `Revenue by ${name.toLowerCase()}: ${formatMoney(t.revenue)} from ${formatInt(t.orders)} orders in all; share = part of that revenue` }),
      el('thead', {}, el('tr', {},
        el('th', { scope: 'col', text: name }),
        b.by === 'city' && el('th', { scope: 'col', text: 'Country' }),
        ['Revenue', 'Share', 'Orders', 'Units', 'Customers'].map((h) => el('th', { scope: 'col', class: 'num', text: h })))),
      el('tbody', {}, items.map((i) => el('tr', { dataset: { key: i.key } },
        el('th', { scope: 'row', text: i.key }),
        b.by === 'city' && el('td', { text: i.country }),
        num(formatMoney(i.revenue)), num(formatFraction(i.share)), num(formatInt(i.orders)),
        num(formatInt(i.units_sold)), num(formatInt(i.customers))))),
      el('tfoot', {}, el('tr', {},
        el('th', { scope: 'row', text: 'All' }),
        b.by === 'city' && el('td', {}),
        num(formatMoney(t.revenue)), num(formatFraction(t.revenue ? 1 : 0)), num(formatInt(t.orders)),
        num(formatInt(t.units_sold)), num(formatInt(t.customers))))));
    const layout = el('div', { class: 'breakdown' }, plotlyMissing() ? plotlyMissingBox() : chart, tableWrap);
    if (!p.body.contains(tableWrap)) replace(p.body, layout);
    if (plotlyMissing()) return 'error';
    chart.setAttribute('aria-label', `Bar chart of the revenue of the top ${items.length} by ${name.toLowerCase()}; first: ${itemLabel(b.by, items[0])}, ${formatMoney(items[0].revenue)} (${formatFraction(items[0].share)}).`);
    chart.dataset.by = b.by;
    // A bar is as thick whether there are 2 or 10 of them.
    chart.style.height = `${Math.min(340, Math.max(140, 70 + 27 * items.length))}px`;
    await breakdownChart(chart, items.map((i) => itemLabel(b.by, i)), items.map((i) => i.revenue),
      items.map((i) => `${formatMoney(i.revenue)} · ${formatFraction(i.share)}`));
    // Plotly keeps the height of its first drawing: follow the new one.
    if (chart._fullLayout && Math.round(chart._fullLayout.height) !== chart.clientHeight) await window.Plotly.Plots.resize(chart);
    return 'ready';
  }

  return {
    node: p.node,
    load,
    abort: p.abort,
    destroy() { p.abort(); if (window.Plotly) window.Plotly.purge(chart); },
  };
}
