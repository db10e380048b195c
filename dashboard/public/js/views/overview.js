// `/` Overview: the KPI cards, the revenue trend, the top products, the revenue breakdown and
// Recent Orders (behind sign-in), all for the range and the filters of the filter bar. Each
// panel is its own module in panels/; this page lays them out and tells them what changed.
import { el, replace } from '../dom.js';
import { formatDate } from '../format.js';
import { filterText } from '../query.js';
import { breakdownPanel } from '../panels/breakdown.js';
import { kpiCards } from '../panels/kpis.js';
import { ordersPanel } from '../panels/orders.js';
import { topProductsPanel } from '../panels/top-products.js';
import { trendPanel } from '../panels/trend.js';
import { filterBar } from './filters.js';

export function mount(container, ctx) {
  let query = { ...ctx.query };
  const rangeText = el('p', { text: 'All orders' });

  const filters = filterBar({
    query,
    onChange(changes) {
      query = { ...query, ...changes };
      ctx.setQuery(changes);
      loadAll();
    },
  });
  const kpis = kpiCards({
    query,
    onCompare(compare) {
      query = { ...query, compare };
      ctx.setQuery({ compare });
      kpis.load(query);
      trend.load(query);
    },
    onRange(start, end, error) {
      if (error) { rangeText.textContent = 'The figures could not be loaded.'; return; }
      filters.showEffective(start, end);
      const f = filterText(query);
      rangeText.textContent = start
        ? `Orders from ${formatDate(start)} to ${formatDate(end)}${f ? ` · ${f}` : ''}`
        : f ? `No orders match the filters (${f}).` : 'No orders yet: load some with "ecomctl seed" or "ecomctl load-csv".';
    },
  });
  const trend = trendPanel();
  const top = topProductsPanel();
  const breakdown = breakdownPanel();
  const orders = ordersPanel();
  const panels = [kpis, trend, top, breakdown, orders];

  function loadAll() {
    for (const p of panels) p.load(query);
  }

  replace(container,
    el('div', { class: 'page-head' },
      el('div', {}, el('h1', { text: 'Overview' }), rangeText),
      filters.node),
    kpis.node,
    el('div', { class: 'grid grid--2' }, trend.node, top.node),
    breakdown.node,
    orders.node);
  loadAll();

  return () => {
    for (const p of panels) (p.destroy || p.abort)();
  };
}
