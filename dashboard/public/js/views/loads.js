// `/loads`: the ETL runs (status, counts, times, error), the next scheduled run, "Run now",
// and for a run the rejected rows (line, reason, raw text), behind the same sign-in as
// Recent orders.
import { el, replace } from '../dom.js';
import { rejectsPanel } from '../panels/etl-rejects.js';
import { runsPanel } from '../panels/etl-runs.js';

export function mount(container) {
  let rejects = null;
  const rejectsSlot = el('div', {});
  const runs = runsPanel({
    onRejects(run) {
      if (rejects) rejects.abort();
      rejects = rejectsPanel(run);
      replace(rejectsSlot, rejects.node);
      rejects.load();
      rejects.node.scrollIntoView({ block: 'start' });
    },
  });
  replace(container,
    el('div', { class: 'page-head' },
      el('div', {}, el('h1', { text: 'Loads' }),
        el('p', { text: 'The CSV loads of the ETL: what each read, loaded, skipped and rejected, and why a row was rejected.' }))),
    runs.node, rejectsSlot);
  runs.load();
  return () => {
    runs.abort();
    if (rejects) rejects.abort();
  };
}
