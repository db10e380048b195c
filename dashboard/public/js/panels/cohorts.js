// The retention heatmap of the Cohorts page (SPEC §9): one row per monthly cohort (the
// month of the customers' first order), one column per month since that first order, each
// cell the cohort's retention as text and as colour. A table, not a chart: it reads cell by
// cell with a screen reader, scrolls sideways on a phone and needs no heatmap trace (the
// basic plotly bundle has none).
import { el, replace } from '../dom.js';
import { formatFraction, formatInt, formatMoney, formatMonthShort, formatPeriod } from '../format.js';
import { panel } from '../views/panel.js';

/** The colour of a retention: from near white (0%) to dark blue (100%) on a square-root
 *  scale, so the usual 2-20% of the later months are told apart; the text is black or white,
 *  whichever contrasts more (always at least 4.5:1). */
const LOW = [241, 245, 249];
const HIGH = [30, 58, 138];
export function cellColours(retention) {
  const t = Math.sqrt(Math.min(1, Math.max(0, retention)));
  const rgb = LOW.map((lo, i) => Math.round(lo + (HIGH[i] - lo) * t));
  const lin = (v) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
  const l = 0.2126 * lin(rgb[0]) + 0.7152 * lin(rgb[1]) + 0.0722 * lin(rgb[2]);
  const onBlack = (l + 0.05) / 0.05;
  const onWhite = 1.05 / (l + 0.05);
  return { background: `rgb(${rgb.join(' ')})`, color: onBlack >= onWhite ? '#000000' : '#ffffff' };
}

const LEGEND = [0, 0.05, 0.1, 0.25, 0.5, 1];

/** cohortTable() -> a panel whose render(answer) fills the heatmap; load/abort as panel(). */
export function cohortTable() {
  const p = panel({ title: 'Retention by monthly cohort', name: 'cohorts', wide: true });

  function render(answer) {
    const cohorts = answer.cohorts || [];
    // Every month of the range is listed, those without new customers too (with zeros).
    if (!cohorts.some((c) => c.customers > 0)) {
      p.sub.textContent = '';
      replace(p.body, el('div', { class: 'state', text: 'No customers had their first order in this date range.' }));
      return 'empty';
    }
    const months = Math.max(...cohorts.map((c) => c.periods.length));
    p.sub.textContent = 'Share of each cohort\'s customers who ordered in each month after their first; month 0 is the month of the first order (always 100%).';
    const legend = el('div', { class: 'heat-legend', 'aria-hidden': 'true' },
      el('span', { text: 'Retention:' }),
      LEGEND.map((r) => {
        const c = cellColours(r);
        return el('span', { class: 'heat-legend__step', style: `background:${c.background};color:${c.color}`, text: `${Math.round(r * 100)}%` });
      }));
    const head1 = el('tr', {},
      el('th', { scope: 'col', rowSpan: 2, text: 'Cohort' }),
      el('th', { scope: 'col', rowSpan: 2, class: 'num', text: 'Customers' }),
      el('th', { scope: 'colgroup', colSpan: months, class: 'heat__group', text: 'Months since the first order' }));
    const head2 = el('tr', {}, Array.from({ length: months }, (_, k) => el('th', { scope: 'col', class: 'num', text: String(k), title: `Month ${k}` })));
    const rows = cohorts.map((c) => {
      const name = formatPeriod(c.cohort, 'monthly');
      return el('tr', { dataset: { cohort: c.cohort } },
        el('th', { scope: 'row', text: formatMonthShort(c.cohort), title: `${name} cohort` }),
        el('td', { class: 'num', text: formatInt(c.customers) }),
        Array.from({ length: months }, (_, k) => {
          const period = c.periods[k];
          if (!period) return el('td', { class: 'heat__none' });
          if (!c.customers) return el('td', { class: 'num heat__none', text: '–', title: `${name}: no new customers` });
          const colours = cellColours(period.retention);
          return el('td', {
            class: 'num heat__cell',
            style: `background:${colours.background};color:${colours.color}`,
            title: `${name} cohort, month ${k}: ${formatInt(period.active)} of ${formatInt(c.customers)} customers ordered (${formatFraction(period.retention)}), ${formatMoney(period.revenue)}`,
            dataset: { offset: String(period.offset), active: String(period.active) },
            text: formatFraction(period.retention),
          });
        }));
    });
    const total = cohorts.reduce((s, c) => s + c.customers, 0);
    replace(p.body, legend,
      el('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Retention table' },
        el('table', { id: 'cohorts-table', class: 'heat' },
          el('caption', { text: `${formatInt(cohorts.length)} cohorts, ${formatInt(total)} customers; each cell: the share of the cohort that ordered that month (hover for the count and the revenue)` }),
          el('thead', {}, head1, head2),
          el('tbody', {}, rows))));
    return 'ready';
  }

  return { ...p, render };
}
