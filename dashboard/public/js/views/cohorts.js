// `/cohorts`: customers grouped by the month of their first order (SPEC §9) — how many each
// month won (a bar chart) and how many of them came back in the months after (the retention
// heatmap: panels/cohorts.js). One request feeds both panels.
import { get } from '../api.js';
import { el, replace } from '../dom.js';
import { cohortSizesChart, plotlyMissing, plotlyMissingBox } from '../charts.js';
import { formatInt, formatPeriod } from '../format.js';
import { cohortTable } from '../panels/cohorts.js';
import { apiParams, filterText } from '../query.js';
import { filterBar } from './filters.js';
import { panel } from './panel.js';

export function mount(container, ctx) {
  let query = { ...ctx.query };
  const filter = filterBar({
    query,
    onChange(changes) { query = { ...query, ...changes }; ctx.setQuery(changes); load(); },
  });
  const summary = el('p', { text: 'Customers by the month of their first order' });
  const table = cohortTable();
  const sizes = panel({ title: 'New customers per cohort', name: 'cohort-sizes', download: true });
  const sizesNode = el('div', { class: 'chart chart--short', id: 'cohort-sizes-chart', role: 'img', 'aria-label': 'Cohort sizes chart' });

  let controller = null;
  async function load() {
    if (controller) controller.abort();
    const mine = controller = new AbortController();
    sizes.download.set('/api/v1/customers/cohorts/', apiParams(query));
    const answer = get('/api/v1/customers/cohorts/', apiParams(query), { signal: mine.signal });
    answer.catch(() => {});
    table.load('the cohorts', () => answer, table.render);
    sizes.load('the cohorts', () => answer, renderSizes);
    try {
      const a = await answer;
      const cohorts = a.cohorts || [];
      const f = filterText(query);
      summary.textContent = cohorts.some((c) => c.customers > 0)
        ? `${formatInt(cohorts.reduce((s, c) => s + c.customers, 0))} customers whose first order was between ${formatPeriod(cohorts[0].cohort, 'monthly')} and ${formatPeriod(cohorts[cohorts.length - 1].cohort, 'monthly')}${f ? ` · ${f}` : ''}`
        : 'No customers had their first order in this range.';
      filter.showEffective(a.start_date, a.end_date);
    } catch {
      /* the panels show the error */
    }
  }

  async function renderSizes(a) {
    const cohorts = a.cohorts || [];
    if (!cohorts.some((c) => c.customers > 0)) {
      replace(sizes.body, el('div', { class: 'state', text: 'No cohorts in this date range.' }));
      return 'empty';
    }
    if (plotlyMissing()) { replace(sizes.body, plotlyMissingBox()); return 'error'; }
    if (!sizes.body.contains(sizesNode)) replace(sizes.body, sizesNode);
    const biggest = cohorts.reduce((x, y) => (y.customers > x.customers ? y : x));
    sizes.sub.textContent = 'Customers whose first order ever fell in each month';
    sizesNode.setAttribute('aria-label', `Bar chart of ${cohorts.length} monthly cohorts; the biggest is ${formatPeriod(biggest.cohort, 'monthly')} with ${formatInt(biggest.customers)} new customers.`);
    await cohortSizesChart(sizesNode, cohorts.map((c) => c.cohort), cohorts.map((c) => c.customers),
      cohorts.map((c) => `${formatPeriod(c.cohort, 'monthly')}: ${formatInt(c.customers)} new customers`));
    return 'ready';
  }

  replace(container,
    el('div', { class: 'page-head' },
      el('div', {}, el('h1', { text: 'Cohorts' }), summary),
      filter.node),
    table.node,
    sizes.node);
  load();

  return () => {
    if (controller) controller.abort();
    table.abort();
    sizes.abort();
    if (window.Plotly) window.Plotly.purge(sizesNode);
  };
}
