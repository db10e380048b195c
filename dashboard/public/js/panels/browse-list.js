// A browse list of SPEC §10 (the Data page's Customers and Products tabs), behind the same
// sign-in as Recent orders: a search box, one filter picker (country or category, the values
// of the filter bar), a table whose sortable columns set the API's ordering, and a pager
// over next/previous. A row can open something (onRow: a customer's orders).
import { ApiError } from '../api.js';
import { authorizedDownload, authorizedGet, session } from '../auth.js';
import { el, newId, replace } from '../dom.js';
import { formatInt } from '../format.js';
import { rejectedNotice, renderSession, signInForms, signedOutNotice } from '../signin.js';
import { valuesOf } from '../views/filters.js';
import { panel } from '../views/panel.js';

const PAGE_SIZE = 20;
const SEARCH_DELAY_MS = 300;

/** browseList({name, title, path, noun, why, idKey, columns, filter, onRow}) ->
 *  {node, load(), abort()}.
 *  columns: [{key, label, num, format(value, row), ordering}] (ordering: the API's name of a
 *  sort by this column; the idKey column's is the default ordering); filter: {name, label,
 *  all, by} (by: the breakdown whose keys fill the picker); onRow(row): the first cell
 *  becomes a button that calls it. */
export function browseList({ name, title, path, noun, why, idKey, columns, filter, onRow }) {
  const state = { search: '', filter: '', ordering: idKey, page: 1 };
  const sessionLine = el('div', { class: 'session' });
  const list = panel({ title, name, controls: sessionLine, wide: true });
  const showSession = () => renderSession(sessionLine, load);

  const searchId = newId('search');
  const filterId = newId(filter.name);
  const search = el('input', { id: searchId, type: 'search', name: 'search', autocomplete: 'off', placeholder: `Search ${noun}…`, dataset: { list: 'search' } });
  const picker = el('select', { id: filterId, name: filter.name, dataset: { list: 'filter' } }, el('option', { value: '', text: filter.all }));
  valuesOf(filter.by).then((values) => {
    picker.append(...values.map((v) => el('option', { value: v, text: v })));
    picker.dataset.loaded = 'true';
  }, () => { picker.dataset.loaded = 'error'; });
  let timer = null;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => { state.search = search.value.trim(); state.page = 1; load(); }, SEARCH_DELAY_MS);
  });
  picker.addEventListener('change', () => { state.filter = picker.value; state.page = 1; load(); });
  const tools = el('form', { class: 'filters', role: 'search', 'aria-label': `Search ${noun}`, onsubmit: (e) => { e.preventDefault(); clearTimeout(timer); state.search = search.value.trim(); state.page = 1; load(); } },
    el('label', { class: 'field', htmlFor: searchId }, 'Search', search),
    el('label', { class: 'field', htmlFor: filterId }, filter.label, picker),
    el('button', {
      class: 'btn btn--ghost btn--small download', type: 'button', text: 'Download CSV',
      'aria-label': `Download every matching ${noun.replace(/s$/, '')} as CSV`, dataset: { download: noun },
      onclick: (e) => {
        const button = e.currentTarget;
        button.disabled = true;
        authorizedDownload(path, { search: state.search, [filter.name]: state.filter, ordering: state.ordering === idKey ? '' : state.ordering })
          .catch((error) => { list.sub.textContent = error.message; })
          .finally(() => { button.disabled = false; });
      },
    }));
  const results = el('div', {});

  function showSignedOut(notice, stateName) {
    list.abort();
    showSession();
    list.sub.textContent = '';
    replace(list.body, notice, signInForms(() => { state.page = 1; load(); }));
    list.node.dataset.state = stateName;
  }

  function load() {
    if (!session()) { showSignedOut(signedOutNotice(`the ${noun}`, why), 'signed-out'); return; }
    showSession();
    if (!list.body.contains(tools)) replace(list.body, tools, results);
    const params = { search: state.search, [filter.name]: state.filter, ordering: state.ordering === idKey ? '' : state.ordering, page: state.page, page_size: PAGE_SIZE };
    list.load(`the ${noun}`,
      (signal) => authorizedGet(path, params, { signal }).catch((error) => {
        if (error instanceof ApiError && error.kind === 'auth') return { rejected: error };
        if (error instanceof ApiError && error.status === 404 && state.page > 1) { state.page = 1; return { retry: true }; }
        throw error;
      }),
      (answer) => {
        if (answer.rejected) { showSignedOut(rejectedNotice(answer.rejected), 'rejected'); return 'rejected'; }
        if (answer.retry) { setTimeout(load); return 'loading'; }
        return render(answer);
      });
  }

  function header(c) {
    const sorted = state.ordering === (c.ordering || null);
    const th = el('th', { scope: 'col', class: c.num ? 'num' : '', attrs: sorted ? { 'aria-sort': c.key === idKey ? 'ascending' : 'descending' } : {} });
    if (!c.ordering) { th.textContent = c.label; return th; }
    th.append(el('button', {
      class: 'sort', type: 'button', dataset: { ordering: c.ordering },
      title: c.key === idKey ? `Sort by ${c.label}, A to Z` : `Sort by ${c.label}, highest first`,
      onclick: () => { state.ordering = c.ordering; state.page = 1; load(); },
    }, c.label, el('span', { class: 'sort__mark', 'aria-hidden': 'true', text: sorted ? (c.key === idKey ? ' ▲' : ' ▼') : '' })));
    return th;
  }

  function cell(c, row, first) {
    const text = c.format ? c.format(row[c.key], row) : (row[c.key] ?? '–');
    if (first) {
      return el('th', { scope: 'row' }, onRow
        ? el('button', { class: 'link', type: 'button', onclick: () => onRow(row), title: `Show the orders of ${row.name || row[idKey]}` }, text)
        : text);
    }
    return el('td', { class: c.num ? 'num' : '', text });
  }

  function render(answer) {
    const rows = answer.results || [];
    const first = (state.page - 1) * PAGE_SIZE + 1;
    const pages = Math.max(1, Math.ceil(answer.count / PAGE_SIZE));
    if (!rows.length) {
      list.sub.textContent = '';
      replace(results, el('div', { class: 'state', text: `No ${noun} match.` }));
      return 'empty';
    }
    list.sub.textContent = `${formatInt(first)}–${formatInt(first + rows.length - 1)} of ${formatInt(answer.count)} ${noun}`;
    const table = el('table', { id: `${name}-table` },
      el('caption', { text: `${title}: ${formatInt(answer.count)} ${noun}, page ${formatInt(state.page)} of ${formatInt(pages)}` }),
      el('thead', {}, el('tr', {}, columns.map(header))),
      el('tbody', {}, rows.map((row) => el('tr', { dataset: { id: row[idKey] } }, columns.map((c, i) => cell(c, row, i === 0))))));
    const go = (n) => () => { state.page = n; load(); };
    replace(results,
      el('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': `${title} table` }, table),
      el('nav', { class: 'pager', 'aria-label': `${title} pages` },
        el('span', { class: 'pager__info', text: `Page ${formatInt(state.page)} of ${formatInt(pages)}` }),
        el('button', { class: 'btn btn--ghost btn--small', type: 'button', disabled: !answer.previous, onclick: go(state.page - 1) }, 'Previous'),
        el('button', { class: 'btn btn--ghost btn--small', type: 'button', disabled: !answer.next, onclick: go(state.page + 1) }, 'Next')));
    return 'ready';
  }

  return {
    node: list.node,
    abort() { clearTimeout(timer); list.abort(); },
    load,
  };
}
