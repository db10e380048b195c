// A panel is a card with a heading, optional controls and a body whose content comes from
// the API. Its loads go through loader(): one request at a time, a newer one aborts the
// older, so a quick series of clicks never ends on a stale answer. The KPI cards use the
// same loader with their own loading and error looks.
import { csvUrl } from '../api.js';
import { el, errorBox, loading, newId, replace } from '../dom.js';

/** loader({node, start(), fail(what, error, retry)}) -> {load(what, fetcher, render), abort()}.
 *  load: calls start() (show a loading state), awaits fetcher(signal), then render(data)
 *  (which may return a state name, 'ready' by default); on failure fail(...). Sets
 *  node.dataset.state to 'loading' | 'error' | what render returned, and aria-busy while
 *  loading. An aborted load changes nothing. */
export function loader({ node, start, fail }) {
  let controller = null;

  async function load(what, fetcher, render) {
    if (controller) controller.abort();
    const mine = new AbortController();
    controller = mine;
    node.dataset.state = 'loading';
    node.setAttribute('aria-busy', 'true');
    const done = start(what);
    try {
      const data = await fetcher(mine.signal);
      if (mine.signal.aborted) return;
      if (typeof done === 'function') done();
      const state = await render(data);
      if (controller === mine) node.dataset.state = state || 'ready';
    } catch (error) {
      if (error.name === 'AbortError' || mine.signal.aborted) return;
      fail(what, error, () => load(what, fetcher, render));
      node.dataset.state = 'error';
      if (!(error && error.kind)) console.error(error);
    } finally {
      if (typeof done === 'function') done();
      if (controller === mine) {
        node.removeAttribute('aria-busy');
        controller = null;
      }
    }
  }

  return {
    load,
    abort() { if (controller) controller.abort(); },
  };
}

/** downloadLink(label) -> {node, set(path, params)}: a "Download CSV" link (hidden until
 *  set) to the CSV of the request a panel shows (api.js csvUrl): the same dates, filters and
 *  switches. */
export function downloadLink(label) {
  const node = el('a', { class: 'download', text: 'Download CSV', hidden: true, 'aria-label': `Download ${label} as CSV`, dataset: { download: label } });
  node.setAttribute('download', '');
  return {
    node,
    set(path, params) {
      node.href = csvUrl(path, params);
      node.hidden = false;
    },
  };
}

/** panel({title, controls, name, download}) -> {node, body, sub, head, load(what, fetcher, render), abort(), download}.
 *  load shows a spinner (over the old content when there is some) and, on failure, an error
 *  box with a retry button in body. node.dataset.state is 'loading' | 'ready' | 'empty' |
 *  'error' | whatever render returned, for people and tests. download (when asked for) is
 *  the panel's downloadLink, in its head. */
export function panel({ title, controls = null, name, wide = false, download = false }) {
  const headingId = newId('h');
  const body = el('div', { class: 'panel__body' });
  const sub = el('p', { class: 'panel__sub' });
  const link = download ? downloadLink(title.toLowerCase()) : null;
  const tools = link ? el('div', { class: 'panel__tools' }, controls, link.node) : controls;
  const head = el('div', { class: 'panel__head' }, el('h2', { id: headingId, text: title }), tools);
  const node = el('section', { class: `card panel${wide ? ' panel--wide' : ''}`, 'aria-labelledby': headingId, dataset: { panel: name, state: 'loading' } },
    head, sub, body);

  const { load, abort } = loader({
    node,
    start(what) {
      const hasContent = body.childElementCount > 0 && !body.querySelector(':scope > .state:not(.state--overlay)');
      if (!hasContent) { replace(body, loading(`Loading ${what}…`)); return null; }
      const overlay = loading(`Loading ${what}…`, true);
      body.append(overlay);
      return () => overlay.remove();
    },
    fail(what, error, retry) { replace(body, errorBox(what, error, retry)); },
  });

  return { node, body, sub, head, load, abort, download: link };
}
