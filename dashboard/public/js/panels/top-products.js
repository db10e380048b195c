// The top 10 products by revenue or by units sold, for the range and the filters.
import { get } from '../api.js';
import { el, replace, switchGroup } from '../dom.js';
import { plotlyMissing, plotlyMissingBox, topProductsChart } from '../charts.js';
import { formatInt, formatMoney } from '../format.js';
import { apiParams, filterText } from '../query.js';
import { panel } from '../views/panel.js';

const METRICS = [['revenue', 'Revenue'], ['quantity', 'Units sold']];
const TOP_LIMIT = 10;

/** topProductsPanel() -> {node, load(query), abort(), destroy()}. */
export function topProductsPanel() {
  let metric = 'revenue';
  let query = null;
  const top = panel({
    title: `Top ${TOP_LIMIT} products`, name: 'top-products', download: true,
    controls: switchGroup('Rank by', 'metric', METRICS, metric, (m) => { metric = m; load(query); }),
  });
  const chart = el('div', { class: 'chart', id: 'top-products-chart', role: 'img', 'aria-label': 'Top products chart' });

  function load(q) {
    query = q;
    const params = { ...apiParams(q), metric, limit: TOP_LIMIT };
    top.download.set('/api/v1/products/top-sellers/', params);
    top.load('the top products',
      (signal) => get('/api/v1/products/top-sellers/', params, { signal }),
      async (t) => {
        const items = t.items || [];
        const filters = filterText(q);
        top.sub.textContent = `${t.metric === 'quantity' ? 'By units sold in the range' : 'By revenue in the range'}${filters ? ` · ${filters}` : ''}`;
        if (!items.length) {
          replace(top.body, el('div', { class: 'state', text: 'No products sold in this date range.' }));
          return 'empty';
        }
        if (plotlyMissing()) { replace(top.body, plotlyMissingBox()); return 'error'; }
        if (!top.body.contains(chart)) replace(top.body, chart);
        const fmt = (i) => (t.metric === 'quantity' ? `${formatInt(i.units_sold)} units` : formatMoney(i.revenue));
        chart.setAttribute('aria-label', `Bar chart of the top ${items.length} products by ${t.metric === 'quantity' ? 'units sold' : 'revenue'}; first: ${items[0].name}, ${fmt(items[0])}.`);
        chart.dataset.metric = t.metric;
        await topProductsChart(chart, items, t.metric, items.map(fmt));
        return 'ready';
      });
  }

  return {
    node: top.node,
    load,
    abort: top.abort,
    destroy() { top.abort(); if (window.Plotly) window.Plotly.purge(chart); },
  };
}
