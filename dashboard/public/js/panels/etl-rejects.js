// The rejected rows of one ETL run (SPEC §10): line number, reason and the raw text of each
// malformed CSV row, in line order, a page at a time.
import { authorizedGet } from '../auth.js';
import { el, replace } from '../dom.js';
import { formatInt } from '../format.js';
import { panel } from '../views/panel.js';

const PAGE_SIZE = 20;

/** rejectsPanel(run) -> {node, load(), abort()}; run: a run of the ETL status. */
export function rejectsPanel(run) {
  let page = 1;
  const rejects = panel({ title: `Rejected rows of run ${run.task_id.slice(0, 8)}`, name: 'rejects', wide: true });

  function load() {
    rejects.load('the rejected rows',
      (signal) => authorizedGet(`/api/v1/etl/runs/${encodeURIComponent(run.task_id)}/rejects/`, { page, page_size: PAGE_SIZE }, { signal }),
      render);
  }

  function render(answer) {
    const rows = answer.results || [];
    if (!rows.length) {
      rejects.sub.textContent = '';
      replace(rejects.body, el('div', { class: 'state', text: 'This run rejected no rows.' }));
      return 'empty';
    }
    const first = (page - 1) * PAGE_SIZE + 1;
    const pages = Math.max(1, Math.ceil(answer.count / PAGE_SIZE));
    rejects.sub.textContent = `${formatInt(first)}–${formatInt(first + rows.length - 1)} of ${formatInt(answer.count)} rejected rows, in file order (line 1 is the header)`;
    const go = (n) => () => { page = n; load(); };
    replace(rejects.body,
      el('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Rejected rows table' },
        el('table', { id: 'rejects-table' },
          el('caption', { text: `Rejected rows of run ${run.task_id}` }),
          el('thead', {}, el('tr', {},
            el('th', { scope: 'col', class: 'num', text: 'Line' }),
            el('th', { scope: 'col', text: 'Reason' }),
            el('th', { scope: 'col', text: 'Raw text' }))),
          el('tbody', {}, rows.map((r) => el('tr', { dataset: { line: r.line } },
            el('th', { scope: 'row', class: 'num', text: formatInt(r.line) }),
            el('td', { text: r.reason }),
            el('td', {}, el('code', { class: 'raw', text: r.raw }))))))),
      el('nav', { class: 'pager', 'aria-label': 'Rejected row pages' },
        el('span', { class: 'pager__info', text: `Page ${formatInt(page)} of ${formatInt(pages)}` }),
        el('button', { class: 'btn btn--ghost btn--small', type: 'button', disabled: !answer.previous, onclick: go(page - 1) }, 'Previous'),
        el('button', { class: 'btn btn--ghost btn--small', type: 'button', disabled: !answer.next, onclick: go(page + 1) }, 'Next')));
    return 'ready';
  }

  return { node: rejects.node, abort: rejects.abort, load };
}
