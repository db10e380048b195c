// The filter bar of every page: the date range (two date inputs; empty means "from the first
// order" / "to the last order", as in the API), a country and a category picker filled from
// the data, and a button that clears them all.
import { get } from '../api.js';
import { el, newId } from '../dom.js';

/** The values of a picker: the keys of a breakdown over all the data (SPEC §9), by revenue;
 *  listed here alphabetically. Fetched once per page load and shared by the pages; a failed
 *  fetch is tried again on the next page. */
const valueLists = new Map();
export function valuesOf(by) {
  if (!valueLists.has(by)) {
    const answer = get('/api/v1/revenue/breakdown/', { by, limit: 100 })
      .then((b) => (b.items || []).map((i) => i.key).sort((a, c) => a.localeCompare(c, 'en')));
    answer.catch(() => valueLists.delete(by));
    valueLists.set(by, answer);
  }
  return valueLists.get(by);
}

/** A <select> for one dimension, "All …" first; the current value is an option even before
 *  (or if never) the list arrives. */
function picker({ label, name, by, all, value, onChange }) {
  const id = newId(name);
  const option = (v, text = v) => el('option', { value: v, text, selected: v === value });
  const select = el('select', { id, name, dataset: { filter: name }, onchange: () => onChange(select.value) },
    option('', all), value && option(value));
  valuesOf(by).then((values) => {
    const current = select.value;
    select.replaceChildren(option('', all), ...values.map((v) => option(v)));
    if (current && !values.includes(current)) select.append(option(current, `${current} (no orders)`));
    select.value = current;
    select.dataset.loaded = 'true';
  }, () => { select.dataset.loaded = 'error'; });
  return { select, node: el('label', { class: 'field', htmlFor: id }, label, select) };
}

/** filterBar({query, onChange(changes)}) -> {node, showEffective(start, end)}.
 *  query: {start, end, country, category}; onChange gets the changed names ({start, end} or
 *  {country} ...) only for a valid range; an inverted one shows an error at the inputs.
 *  showEffective() tells the range of the data (the API's answer to an empty range): the
 *  date pickers open there. */
export function filterBar({ query, onChange }) {
  const startId = newId('start');
  const endId = newId('end');
  const errorId = newId('range-error');
  const start = el('input', { type: 'date', id: startId, name: 'start_date', value: query.start, 'aria-describedby': errorId });
  const end = el('input', { type: 'date', id: endId, name: 'end_date', value: query.end, 'aria-describedby': errorId });
  const error = el('p', { class: 'field-error', id: errorId, hidden: true, attrs: { 'aria-live': 'polite' } });
  let touched = Boolean(query.start || query.end);

  const validate = () => {
    const bad = start.value && end.value && start.value > end.value;
    error.hidden = !bad;
    error.textContent = bad ? 'The start date must not be after the end date.' : '';
    for (const input of [start, end]) input.setAttribute('aria-invalid', bad ? 'true' : 'false');
    return !bad;
  };
  const changed = () => {
    touched = true;
    if (validate()) onChange({ start: start.value, end: end.value });
  };
  start.addEventListener('change', changed);
  end.addEventListener('change', changed);

  const country = picker({ label: 'Country', name: 'country', by: 'country', all: 'All countries', value: query.country, onChange: (v) => { sync(); onChange({ country: v }); } });
  const category = picker({ label: 'Category', name: 'category', by: 'category', all: 'All categories', value: query.category, onChange: (v) => { sync(); onChange({ category: v }); } });

  const allDates = el('button', {
    class: 'btn btn--ghost', type: 'button',
    onclick: () => { start.value = ''; end.value = ''; touched = false; validate(); onChange({ start: '', end: '' }); },
  }, 'All dates');
  const clear = el('button', {
    class: 'btn btn--ghost', type: 'button', dataset: { action: 'clear-filters' },
    onclick: () => {
      country.select.value = '';
      category.select.value = '';
      sync();
      onChange({ country: '', category: '' });
    },
  }, 'Clear filters');
  const sync = () => { clear.hidden = !(country.select.value || category.select.value); };
  sync();

  const node = el('form', { class: 'filters', 'aria-label': 'Filters', onsubmit: (e) => e.preventDefault() },
    el('label', { class: 'field', htmlFor: startId }, 'From', start),
    el('label', { class: 'field', htmlFor: endId }, 'To', end),
    allDates,
    country.node,
    category.node,
    clear,
    error);

  return {
    node,
    showEffective(effStart, effEnd) {
      if (touched || !effStart || !effEnd) return;
      for (const input of [start, end]) { input.min = effStart; input.max = effEnd; }
    },
  };
}
