// The revenue trend: revenue and orders per day, week or month, and the comparison range's
// revenue (previous period or previous year, SPEC §9) as a second, lighter line.
import { get } from '../api.js';
import { el, replace, switchGroup } from '../dom.js';
import { plotlyMissing, plotlyMissingBox, trendChart } from '../charts.js';
import { formatDate, formatInt, formatMoney, formatPeriod } from '../format.js';
import { COMPARES, apiParams, filterText } from '../query.js';
import { panel } from '../views/panel.js';

const GRANULARITIES = [['daily', 'Daily'], ['weekly', 'Weekly'], ['monthly', 'Monthly']];

/** trendPanel() -> {node, load(query), abort(), destroy()}. */
export function trendPanel() {
  let granularity = 'monthly';
  let query = null;
  const trend = panel({
    title: 'Revenue trend', name: 'trend', download: true,
    controls: switchGroup('Granularity', 'granularity', GRANULARITIES, granularity, (g) => { granularity = g; load(query); }),
  });
  const chart = el('div', { class: 'chart', id: 'trend-chart', role: 'img', 'aria-label': 'Revenue trend chart' });

  function load(q) {
    query = q;
    const params = { ...apiParams(q), granularity, compare: q.compare };
    trend.download.set('/api/v1/revenue/trends/', params);
    trend.load('the revenue trend',
      (signal) => get('/api/v1/revenue/trends/', params, { signal }),
      (t) => render(t, q));
  }

  async function render(t, q) {
    const points = t.points || [];
    const unit = { daily: 'Daily', weekly: 'Weekly', monthly: 'Monthly' }[t.granularity] || '';
    const filters = filterText(q);
    trend.sub.textContent = t.start_date
      ? `${unit} revenue and orders, ${formatDate(t.start_date)} – ${formatDate(t.end_date)}${t.granularity === 'weekly' ? ' (weeks start on Monday)' : ''}${filters ? ` · ${filters}` : ''}`
      : '';
    if (!points.some((p) => p.orders > 0)) {
      replace(trend.body, el('div', { class: 'state', text: 'No orders in this date range.' }));
      return 'empty';
    }
    if (plotlyMissing()) { replace(trend.body, plotlyMissingBox()); return 'error'; }
    if (!trend.body.contains(chart)) replace(trend.body, chart);
    const best = points.reduce((a, b) => (b.revenue > a.revenue ? b : a));
    const cmp = t.comparison;
    const cmpName = `Revenue, ${(COMPARES.find(([v]) => v === q.compare) || COMPARES[0])[1].toLowerCase()}`;
    // The comparison's points, laid over the current ones period by period.
    const previous = cmp ? (cmp.points || []).slice(0, points.length) : [];
    const cmpTotal = previous.reduce((s, p) => s + p.revenue, 0);
    chart.setAttribute('aria-label', `${unit} revenue chart with ${points.length} periods; the highest is ${formatMoney(best.revenue)} in ${formatPeriod(best.period, t.granularity)}.${
      cmp ? ` A lighter line shows the ${cmpName.slice(9)} (${formatDate(cmp.start_date)} – ${formatDate(cmp.end_date)}), ${formatMoney(cmpTotal)} in all.` : ''}`);
    chart.dataset.points = String(points.length);
    chart.dataset.comparison = cmp ? `${cmp.start_date}/${cmp.end_date}` : '';
    await trendChart(chart, points, {
      revenue: points.map((p) => formatMoney(p.revenue)),
      orders: points.map((p) => formatInt(p.orders)),
      monthly: t.granularity === 'monthly',
    }, previous.length ? {
      name: cmpName,
      points: previous,
      text: previous.map((p) => `${formatMoney(p.revenue)} (${formatPeriod(p.period, t.granularity)})`),
    } : null);
    return 'ready';
  }

  return {
    node: trend.node,
    load,
    abort: trend.abort,
    destroy() { trend.abort(); if (window.Plotly) window.Plotly.purge(chart); },
  };
}
