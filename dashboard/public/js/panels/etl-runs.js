// The ETL runs (SPEC §6 status), behind sign-in: each run's status, row counts, times and
// error, newest first; when the next scheduled run falls due; a "Run now" button (the
// trigger). While a run is queued or running the panel refreshes itself every 2 s. A run
// with rejected rows offers them (onRejects(run)).
import { ApiError } from '../api.js';
import { authorizedGet, authorizedRequest, session } from '../auth.js';
import { el, replace } from '../dom.js';
import { formatInt, formatMoment } from '../format.js';
import { rejectedNotice, renderSession, signInForms, signedOutNotice } from '../signin.js';
import { panel } from '../views/panel.js';

const RUNS = 50;
const REFRESH_MS = 2000;

/** runsPanel({onRejects}) -> {node, load(), abort()}. */
export function runsPanel({ onRejects }) {
  const sessionLine = el('div', { class: 'session' });
  const runs = panel({ title: 'Loads', name: 'loads', controls: sessionLine, wide: true });
  const showSession = () => renderSession(sessionLine, load);
  const message = el('p', { class: 'run-message', role: 'status' });
  const runNow = el('button', { class: 'btn', type: 'button', dataset: { action: 'run-now' }, onclick: trigger }, 'Run now');
  let timer = null;

  function showSignedOut(notice, state) {
    runs.abort();
    clearTimeout(timer);
    showSession();
    runs.sub.textContent = '';
    replace(runs.body, notice, signInForms(load));
    runs.node.dataset.state = state;
  }

  function load() {
    clearTimeout(timer);
    if (!session()) {
      showSignedOut(signedOutNotice('the loads', 'The ETL routes need an access token.'), 'signed-out');
      return;
    }
    showSession();
    runs.load('the loads',
      (signal) => authorizedGet('/api/v1/etl/status/', { limit: RUNS }, { signal }).catch((error) => {
        if (error instanceof ApiError && error.kind === 'auth') return { rejected: error };
        throw error;
      }),
      (status) => (status.rejected ? (showSignedOut(rejectedNotice(status.rejected), 'rejected'), 'rejected') : render(status)));
  }

  async function trigger() {
    runNow.disabled = true;
    message.textContent = 'Queueing a run…';
    try {
      const queued = await authorizedRequest('POST', '/api/v1/etl/trigger/');
      message.textContent = `Run ${queued.task_id} queued.`;
      message.dataset.taskId = queued.task_id;
    } catch (error) {
      message.textContent = `Could not start a run: ${error.message}`;
    } finally {
      runNow.disabled = false;
    }
    load();
  }

  function render(status) {
    const list = status.runs || [];
    runs.sub.textContent = status.schedule_seconds > 0
      ? `Next scheduled run: ${formatMoment(status.next_run_at)} (every ${formatInt(status.schedule_seconds)} s)`
      : 'No schedule: runs start only with "Run now" or ecomctl load-csv';
    runs.sub.dataset.nextRun = status.next_run_at || '';
    const num = (n) => el('td', { class: 'num', text: formatInt(n) });
    const table = list.length
      ? el('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Loads table' },
        el('table', { id: 'loads-table' },
          el('caption', { text: `The ${formatInt(list.length)} newest runs` }),
          el('thead', {}, el('tr', {},
            ['Run', 'Trigger', 'Status', 'Started', 'Finished'].map((h) => el('th', { scope: 'col', text: h })),
            ['Read', 'Loaded', 'Skipped', 'Rejected'].map((h) => el('th', { scope: 'col', class: 'num', text: h })),
            el('th', { scope: 'col', text: 'Error' }))),
          el('tbody', {}, list.map((r) => el('tr', { dataset: { taskId: r.task_id, status: r.status } },
            el('th', { scope: 'row', title: r.task_id, text: r.task_id.slice(0, 8) }),
            el('td', { text: r.trigger }),
            el('td', {}, el('span', { class: `badge badge--${r.status}`, text: r.status })),
            el('td', { text: formatMoment(r.started_at) }),
            el('td', { text: formatMoment(r.finished_at) }),
            num(r.rows_read), num(r.rows_loaded), num(r.rows_skipped),
            el('td', { class: 'num' }, r.rows_rejected > 0
              ? el('button', { class: 'link', type: 'button', dataset: { action: 'rejects' }, onclick: () => onRejects(r), title: 'Show the rejected rows' }, formatInt(r.rows_rejected))
              : formatInt(r.rows_rejected)),
            el('td', { class: 'error-text', text: r.error || '' }))))))
      : el('div', { class: 'state', text: 'No runs yet.' });
    replace(runs.body, el('div', { class: 'run-bar' }, runNow, message), table);
    if (list.some((r) => r.status === 'queued' || r.status === 'running')) timer = setTimeout(load, REFRESH_MS);
    return list.length ? 'ready' : 'empty';
  }

  return {
    node: runs.node,
    abort() { clearTimeout(timer); runs.abort(); },
    load,
  };
}
