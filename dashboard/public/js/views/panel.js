// A panel is a card with a heading, optional controls and a body whose content comes from
// the API. load() runs one request at a time per panel: a newer one aborts the older, so a
// quick series of clicks never ends on a stale answer.
import { el, errorBox, loading, newId, replace } from '../dom.js';

/** panel({title, controls, kind}) -> {node, body, sub, load(what, fetcher, render), abort()}.
 *  load: shows a loading state (over the old content when there is some), awaits
 *  fetcher(signal), then render(data) (which fills body and may return a state name, 'ready'
 *  by default); on failure an error box with a retry button. node.dataset.state is
 *  'loading' | 'ready' | 'empty' | 'error' | whatever render returned, for people and tests. */
export function panel({ title, controls = null, name }) {
  const headingId = newId('h');
  const body = el('div', { class: 'panel__body' });
  const sub = el('p', { class: 'panel__sub' });
  const node = el('section', { class: 'card panel', 'aria-labelledby': headingId, dataset: { panel: name, state: 'loading' } },
    el('div', { class: 'panel__head' }, el('h2', { id: headingId, text: title }), controls),
    sub, body);
  let controller = null;

  async function load(what, fetcher, render) {
    if (controller) controller.abort();
    const mine = new AbortController();
    controller = mine;
    node.dataset.state = 'loading';
    node.setAttribute('aria-busy', 'true');
    const hasContent = body.childElementCount > 0 && !body.querySelector(':scope > .state');
    let overlay = null;
    if (hasContent) body.append(overlay = loading(`Loading ${what}…`, true));
    else replace(body, loading(`Loading ${what}…`));
    try {
      const data = await fetcher(mine.signal);
      if (mine.signal.aborted) return;
      if (overlay) overlay.remove();
      const state = await render(data);
      if (controller === mine) node.dataset.state = state || 'ready';
    } catch (error) {
      if (error.name === 'AbortError' || mine.signal.aborted) return;
      replace(body, errorBox(what, error, () => load(what, fetcher, render)));
      node.dataset.state = 'error';
      if (!(error && error.kind)) console.error(error);
    } finally {
      if (controller === mine) {
        node.removeAttribute('aria-busy');
        controller = null;
      }
    }
  }

  return {
    node, body, sub, load,
    abort() { if (controller) controller.abort(); },
  };
}
