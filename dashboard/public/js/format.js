// How numbers and dates read on the page. Amounts are US dollars (the data carries no
// currency); every figure has thousands separators.

const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const moneyCompact = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', notation: 'compact', maximumFractionDigits: 1 });
const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal1 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const percent1 = new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
const longDate = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });
const monthYear = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'long', timeZone: 'UTC' });
const shortMonthYear = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'short', timeZone: 'UTC' });

/** 1234567.5 -> "$1,234,567.50" */
export const formatMoney = (n) => money.format(Number(n) || 0);
/** 1234567.5 -> "$1.2M" (chart axes) */
export const formatMoneyCompact = (n) => moneyCompact.format(Number(n) || 0);
/** 1234567 -> "1,234,567" */
export const formatInt = (n) => integer.format(Number(n) || 0);
/** 3.14159 -> "3.1" */
export const formatDecimal = (n) => decimal1.format(Number(n) || 0);
/** 0.1234 -> "12.3%" */
export const formatShare = (n) => percent1.format(Number(n) || 0);

/** A fraction the API rounds to 4 decimals (a share, a retention, a change) as a percentage
 *  with one decimal and no sign: 0.1235 -> "12.4%", 15 -> "1,500.0%". Rounded half up from
 *  whole basis points, so the text never depends on how a binary fraction falls. */
export function formatFraction(n) {
  const tenths = Math.round(Math.round(Math.abs(Number(n) || 0) * 10000) / 10);
  return `${integer.format(Math.floor(tenths / 10))}.${tenths % 10}%`;
}

/** "2025-03-01" -> "Mar 1, 2025" (the text is a calendar date, not a moment: read as UTC). */
export function formatDate(iso) {
  if (!iso) return '–';
  const d = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? iso : longDate.format(d);
}

/** The label of a trend period: "Mar 2025" for months, the date otherwise. */
export function formatPeriod(iso, granularity) {
  if (granularity !== 'monthly') return formatDate(iso);
  const d = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? iso : monthYear.format(d);
}

/** "2025-03-01" -> "Mar 2025" (where room is short: the rows of the cohort table). */
export function formatMonthShort(iso) {
  const d = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? iso : shortMonthYear.format(d);
}

const moment = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' });
/** "2025-11-24T21:00:00Z" -> "Nov 24, 2025, 9:00:00 PM UTC"; '–' for none. */
export function formatMoment(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${moment.format(d)} UTC`;
}
