// The filters every page shares, kept in the URL (?start_date=&end_date=&country=&category=
// &compare=) so that a reload or a shared link shows the same figures and the navbar keeps
// them from page to page. Empty means "not set": all dates, every country, every category.

/** What the KPI cards and the trend compare with (SPEC §9); the first is the default and stays
 *  out of the URL. */
export const COMPARES = [['previous_period', 'Previous period'], ['previous_year', 'Previous year']];

const DATE = /^\d{4}-\d{2}-\d{2}$/;
// The API refuses a filter over 100 bytes: a longer one in a hand-edited URL is dropped.
const filterValue = (v) => (v && new TextEncoder().encode(v).length <= 100 ? v : '');

/** '?start_date=...' -> {start, end, country, category, compare}. */
export function readQuery(search) {
  const q = new URLSearchParams(search);
  const date = (v) => (DATE.test(v || '') ? v : '');
  const compare = q.get('compare');
  return {
    start: date(q.get('start_date')),
    end: date(q.get('end_date')),
    country: filterValue(q.get('country')),
    category: filterValue(q.get('category')),
    compare: COMPARES.some(([v]) => v === compare) ? compare : COMPARES[0][0],
  };
}

const URL_NAMES = { start: 'start_date', end: 'end_date', country: 'country', category: 'category', compare: 'compare' };

/** The search part of the URL (with '?', or '' when empty) after applying changes, an object
 *  of some of readQuery's names; other parameters of search are kept. */
export function writeQuery(search, changes) {
  const q = new URLSearchParams(search);
  for (const [key, value] of Object.entries(changes)) {
    const name = URL_NAMES[key];
    if (!name) continue;
    if (value && !(key === 'compare' && value === COMPARES[0][0])) q.set(name, value); else q.delete(name);
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The API's query parameters for the range and the filters (empty values are left out by
 *  api.js). */
export function apiParams(query) {
  return { start_date: query.start, end_date: query.end, country: query.country, category: query.category };
}

/** "Germany · Electronics" for the active filters, '' for none. */
export function filterText(query) {
  return [query.country, query.category].filter(Boolean).join(' · ');
}
