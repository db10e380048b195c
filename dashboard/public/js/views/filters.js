// The date range of a page: two date inputs and a reset button. An empty input means "from
// the first order" / "to the last order", as in the API.
import { el, newId } from '../dom.js';

/** rangeFilter({range: {start, end}, onChange(start, end)}) -> {node, showEffective(start, end)}.
 *  onChange fires only for a valid range; an inverted one shows an error at the inputs.
 *  showEffective() tells the range of the data (the API's answer to an empty range): the
 *  date pickers open there. */
export function rangeFilter({ range, onChange }) {
  const startId = newId('start');
  const endId = newId('end');
  const errorId = newId('range-error');
  const start = el('input', { type: 'date', id: startId, name: 'start_date', value: range.start, 'aria-describedby': errorId });
  const end = el('input', { type: 'date', id: endId, name: 'end_date', value: range.end, 'aria-describedby': errorId });
  const error = el('p', { class: 'field-error', id: errorId, hidden: true, attrs: { 'aria-live': 'polite' } });
  let touched = Boolean(range.start || range.end);

  const validate = () => {
    const bad = start.value && end.value && start.value > end.value;
    error.hidden = !bad;
    error.textContent = bad ? 'The start date must not be after the end date.' : '';
    for (const input of [start, end]) input.setAttribute('aria-invalid', bad ? 'true' : 'false');
    return !bad;
  };
  const changed = () => {
    touched = true;
    if (validate()) onChange(start.value, end.value);
  };
  start.addEventListener('change', changed);
  end.addEventListener('change', changed);

  const reset = el('button', {
    class: 'btn btn--ghost', type: 'button',
    onclick: () => { start.value = ''; end.value = ''; touched = false; validate(); onChange('', ''); },
  }, 'All dates');

  const node = el('form', { class: 'filters', 'aria-label': 'Date range', onsubmit: (e) => e.preventDefault() },
    el('label', { class: 'field', htmlFor: startId }, 'From', start),
    el('label', { class: 'field', htmlFor: endId }, 'To', end),
    reset,
    error);

  return {
    node,
    showEffective(effStart, effEnd) {
      if (touched || !effStart || !effEnd) return;
      for (const input of [start, end]) { input.min = effStart; input.max = effEnd; }
    },
  };
}
