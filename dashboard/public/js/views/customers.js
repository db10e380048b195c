// `/customers`: the RFM segments (SPEC §6) as a donut and a table of all seven.
import { get } from '../api.js';
import { el, replace } from '../dom.js';
import { PALETTE, plotlyMissing, plotlyMissingBox, segmentsPie } from '../charts.js';
import { formatDate, formatDecimal, formatInt, formatMoney, formatShare } from '../format.js';
import { apiParams, filterText } from '../query.js';
import { filterBar } from './filters.js';
import { panel } from './panel.js';

/** The seven segments in the API's order, with what each means for a person. */
export const SEGMENTS = [
  ['champions', 'Champions', 'Bought recently, buy often and spend the most.'],
  ['loyal_customers', 'Loyal customers', 'Buy often, though not all of them recently.'],
  ['potential_loyalists', 'Potential loyalists', 'Recent customers with more than one order.'],
  ['new_customers', 'New customers', 'Bought recently, for the first time or rarely.'],
  ['at_risk', 'At risk', 'Used to buy often, but not for a long time.'],
  ['hibernating', 'Hibernating', 'Last bought long ago and seldom.'],
  ['needs_attention', 'Needs attention', 'Middling recency and frequency: worth a nudge.'],
];
const INFO = new Map(SEGMENTS.map(([key, label, description], i) => [key, { label, description, color: PALETTE[i] }]));
const labelOf = (key) => (INFO.get(key) || { label: key }).label;
const colorOf = (key) => (INFO.get(key) || { color: '#64748b' }).color;

export function mount(container, ctx) {
  let query = { ...ctx.query };
  const filter = filterBar({
    query,
    onChange(changes) { query = { ...query, ...changes }; ctx.setQuery(changes); load(); },
  });
  const summary = el('p', { text: 'RFM segments of the customers who ordered in the range' });

  const pie = panel({ title: 'Customers by segment', name: 'segments-pie' });
  const pieNode = el('div', { class: 'chart chart--pie', id: 'segments-chart', role: 'img', 'aria-label': 'Segments chart' });
  const table = panel({ title: 'Segments', name: 'segments-table', download: true });

  let controller = null;
  async function load() {
    // One request feeds both panels: each shows the loading state and the outcome.
    if (controller) controller.abort();
    const mine = controller = new AbortController();
    table.download.set('/api/v1/customers/segments/', apiParams(query));
    const answer = get('/api/v1/customers/segments/', apiParams(query), { signal: mine.signal });
    answer.catch(() => {});
    pie.load('the customer segments', () => answer, renderPie);
    table.load('the customer segments', () => answer, renderTable);
    try {
      const s = await answer;
      const f = filterText(query);
      summary.textContent = s.reference_date
        ? `${formatInt(s.total_customers)} customers, scored on recency, frequency and monetary value as of ${formatDate(s.reference_date)}${f ? ` · ${f}` : ''}`
        : 'No customers have ordered in this range.';
    } catch {
      /* the panels show the error */
    }
  }

  async function renderPie(s) {
    const segments = s.segments || [];
    if (!s.total_customers) {
      replace(pie.body, el('div', { class: 'state', text: 'No customers ordered in this date range.' }));
      return 'empty';
    }
    if (plotlyMissing()) { replace(pie.body, plotlyMissingBox()); return 'error'; }
    if (!pie.body.contains(pieNode)) replace(pie.body, pieNode);
    const biggest = segments.reduce((a, b) => (b.customers > a.customers ? b : a));
    pieNode.setAttribute('aria-label', `Donut chart of ${formatInt(s.total_customers)} customers in ${segments.filter((x) => x.customers > 0).length} segments; the largest is ${labelOf(biggest.segment)} with ${formatShare(biggest.share)}.`);
    pie.sub.textContent = 'Share of the customers in each segment';
    await segmentsPie(pieNode, segments, labelOf, colorOf);
    return 'ready';
  }

  function renderTable(s) {
    const segments = s.segments || [];
    const num = (text) => el('td', { class: 'num', text });
    table.sub.textContent = 'Averages per customer of the segment; 5 is the best score on each of R, F and M';
    replace(table.body, el('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Segments table' },
      el('table', { id: 'segments-table' },
        el('caption', { text: `${formatInt(s.total_customers)} customers in total` }),
        el('thead', {}, el('tr', {},
          el('th', { scope: 'col', text: 'Segment' }),
          ['Customers', 'Share', 'Avg recency', 'Avg orders', 'Avg spend'].map((h) => el('th', { scope: 'col', class: 'num', text: h })))),
        el('tbody', {}, segments.map((x) => el('tr', { dataset: { segment: x.segment } },
          el('th', { scope: 'row' },
            el('span', { class: 'segment-name' },
              el('span', { class: 'swatch', style: `background:${colorOf(x.segment)}`, 'aria-hidden': 'true' }), labelOf(x.segment)),
            el('span', { class: 'segment-desc', text: (INFO.get(x.segment) || { description: '' }).description })),
          num(formatInt(x.customers)), num(formatShare(x.share)),
          num(`${formatDecimal(x.avg_recency_days)} days`), num(formatDecimal(x.avg_frequency)), num(formatMoney(x.avg_monetary))))))));
    return 'ready';
  }

  replace(container,
    el('div', { class: 'page-head' },
      el('div', {}, el('h1', { text: 'Customer segments' }), summary),
      filter.node),
    el('div', { class: 'grid grid--segments' }, pie.node, table.node));
  load();

  return () => {
    if (controller) controller.abort();
    pie.abort();
    table.abort();
    if (window.Plotly) window.Plotly.purge(pieNode);
  };
}
