// Plotly charts with one look. Plotly is the global of plotly.min.js (loaded before the
// modules by index.html); without it the chart panels say so instead of staying blank.
import { el } from './dom.js';
import { formatMoneyCompact } from './format.js';

export const PALETTE = ['#1d4ed8', '#0f766e', '#b45309', '#7c3aed', '#be123c', '#15803d', '#475569'];

const FONT = { family: 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", Arial, sans-serif', color: '#1f2937', size: 13 };
const CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ['select2d', 'lasso2d', 'autoScale2d', 'toggleSpikelines'] };

/** A chart narrower than this is on a phone: no tool bar over the plot (a touch screen
 *  shows it all the time), fewer axis ticks. */
const NARROW = 560;
const narrow = (node) => node.clientWidth > 0 && node.clientWidth < NARROW;

export function plotlyMissing() {
  return typeof window.Plotly === 'undefined';
}

/** A message for a panel whose chart cannot be drawn because plotly.js did not load. */
export function plotlyMissingBox() {
  return el('div', { class: 'state state--error', role: 'alert' },
    el('strong', { text: 'The chart library did not load.' }),
    el('span', { text: 'The dashboard serves it from dashboard/node_modules: run "npm ci" in dashboard/ and restart the dashboard.' }));
}

function baseLayout(extra) {
  return {
    font: FONT,
    margin: { l: 64, r: 16, t: 8, b: 48 },
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: 'rgba(0,0,0,0)',
    hoverlabel: { font: { family: FONT.family } },
    ...extra,
  };
}

/** Draws (or redraws) a chart into node. Returns Plotly's promise. */
export function draw(node, data, layout) {
  return window.Plotly.react(node, data, baseLayout(layout), { ...CONFIG, displayModeBar: narrow(node) ? false : 'hover' });
}

/** Revenue (bars would crowd 700 days: a line with area) and orders on a second axis; with
 *  comparison ({name, points, text}), the comparison range's revenue as a lighter dashed
 *  line over the same periods (its own dates in the hover text). */
export function trendChart(node, points, labels, comparison = null) {
  const x = points.map((p) => p.period);
  const small = narrow(node);
  const previous = comparison ? [{
    type: 'scatter', mode: 'lines', name: comparison.name, x: x.slice(0, comparison.points.length),
    y: comparison.points.map((p) => p.revenue), line: { color: 'rgba(29,78,216,0.45)', width: 2, dash: 'dash' },
    text: comparison.text, hovertemplate: '%{text}<extra>Before</extra>',
  }] : [];
  return draw(node, [
    {
      type: 'scatter', mode: points.length > 60 ? 'lines' : 'lines+markers', name: 'Revenue', x,
      y: points.map((p) => p.revenue), fill: 'tozeroy', fillcolor: 'rgba(29,78,216,0.12)',
      line: { color: PALETTE[0], width: 2 }, text: labels.revenue, hovertemplate: '%{text}<extra>Revenue</extra>',
    },
    {
      type: 'scatter', mode: points.length > 60 ? 'lines' : 'lines+markers', name: 'Orders', x, yaxis: 'y2',
      y: points.map((p) => p.orders), line: { color: PALETTE[2], width: 1.5, dash: 'dot' },
      text: labels.orders, hovertemplate: '%{text}<extra>Orders</extra>',
    },
    ...previous,
  ], {
    // A few months: one tick per month (Plotly would pick weeks between them).
    xaxis: {
      type: 'date', gridcolor: '#e5e7eb', automargin: true, nticks: small ? 4 : 10, tickangle: 0,
      ...(labels.monthly && points.length <= (small ? 4 : 12) ? { dtick: 'M1', tickformat: '%b %Y' } : {}),
    },
    yaxis: { title: { text: small ? '' : 'Revenue' }, tickprefix: '$', tickformat: '~s', gridcolor: '#e5e7eb', rangemode: 'tozero', automargin: true, nticks: 6 },
    yaxis2: { title: { text: small ? '' : 'Orders' }, overlaying: 'y', side: 'right', rangemode: 'tozero', showgrid: false, tickformat: ',d', tickmode: 'auto', nticks: 6, automargin: true },
    // On a phone the legend (three entries with the comparison) goes under the plot.
    legend: small ? { orientation: 'h', x: 0, y: -0.12, yanchor: 'top' } : { orientation: 'h', x: 0, y: 1.1 },
    hovermode: 'x unified',
    margin: { l: 64, r: 56, t: small ? 8 : 24, b: 40 },
  });
}

/** Horizontal bars, best at the top. */
export function topProductsChart(node, items, metric, labels) {
  const rows = [...items].reverse();
  const small = narrow(node);
  return draw(node, [{
    type: 'bar', orientation: 'h',
    x: rows.map((i) => (metric === 'quantity' ? i.units_sold : i.revenue)),
    y: rows.map((i) => `${i.rank}. ${i.name}`),
    text: [...labels].reverse(), textposition: 'auto', insidetextanchor: 'end',
    marker: { color: metric === 'quantity' ? PALETTE[1] : PALETTE[0] },
    hovertemplate: '%{y}: %{text}<extra></extra>',
  }], {
    xaxis: {
      ...(metric === 'quantity' ? { title: { text: 'Units sold' }, tickformat: ',d' } : { title: { text: 'Revenue' }, tickprefix: '$', tickformat: '~s' }),
      gridcolor: '#e5e7eb', automargin: true, nticks: small ? 4 : 8, tickangle: 0,
    },
    yaxis: { automargin: true, tickfont: { size: 12 } },
    margin: { l: 8, r: 16, t: 8, b: 48 },
    bargap: 0.25,
  });
}

/** A donut of the segments; segments without customers stay out of the drawing (they are in
 *  the table). */
export function segmentsPie(node, segments, labelOf, colorOf) {
  const shown = segments.filter((s) => s.customers > 0);
  return draw(node, [{
    type: 'pie', hole: 0.45, sort: false, direction: 'clockwise',
    labels: shown.map((s) => labelOf(s.segment)),
    values: shown.map((s) => s.customers),
    marker: { colors: shown.map((s) => colorOf(s.segment)), line: { color: '#ffffff', width: 2 } },
    texttemplate: '%{percent:.1%}', hovertemplate: '%{label}: %{value:,d} customers (%{percent})<extra></extra>',
  }], {
    margin: { l: 8, r: 8, t: 8, b: 8 },
    legend: { orientation: 'h', x: 0, y: -0.05 },
  });
}


/** Horizontal bars of the revenue of each label, the biggest at the top. */
export function breakdownChart(node, labels, values, texts) {
  const small = narrow(node);
  return draw(node, [{
    type: 'bar', orientation: 'h',
    x: [...values].reverse(), y: [...labels].reverse(), text: [...texts].reverse(),
    textposition: 'auto', insidetextanchor: 'end', marker: { color: PALETTE[1] },
    hovertemplate: '%{y}: %{text}<extra></extra>',
  }], {
    xaxis: { title: { text: 'Revenue' }, tickprefix: '$', tickformat: '~s', gridcolor: '#e5e7eb', automargin: true, nticks: small ? 4 : 8, tickangle: 0 },
    yaxis: { automargin: true, tickfont: { size: 12 } },
    margin: { l: 8, r: 16, t: 8, b: 48 },
    bargap: 0.25,
  });
}

/** Vertical bars of the size of each monthly cohort. */
export function cohortSizesChart(node, months, counts, texts) {
  const small = narrow(node);
  return draw(node, [{
    type: 'bar', x: months, y: counts, text: texts, textposition: 'none', marker: { color: PALETTE[0] },
    hovertemplate: '%{text}<extra></extra>',
  }], {
    xaxis: { type: 'date', automargin: true, nticks: small ? 4 : 12, tickangle: 0, tickformat: '%b %Y' },
    yaxis: { title: { text: small ? '' : 'New customers' }, tickformat: ',d', gridcolor: '#e5e7eb', rangemode: 'tozero', automargin: true },
    margin: { l: 56, r: 16, t: 8, b: 40 },
    bargap: 0.2,
  });
}
