// The HTTP API of the gateway, on the dashboard's own origin (the dashboard server proxies
// /api/ and /healthz to it). Every failure becomes an ApiError with a message for a person.

/** kind: 'network' (nothing answered), 'unavailable' (the gateway or a service is down:
 *  502/503/504), 'auth' (401), 'http' (any other error status), 'format' (not JSON). */
export class ApiError extends Error {
  constructor(kind, message, status = 0, code = '') {
    super(message);
    this.name = 'ApiError';
    this.kind = kind;
    this.status = status;
    this.code = code;
  }

  /** True when the API as a whole is out of reach, as opposed to one bad request. */
  get isOutage() {
    return this.kind === 'network' || this.kind === 'unavailable';
  }
}

const listeners = new Set();
/** Calls fn(error) when a request finds the API out of reach, fn(null) when one succeeds. */
export function onReachability(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
function notify(error) {
  for (const fn of listeners) fn(error);
}

/** The query string of params, leaving out empty values (SPEC: empty counts as absent). */
export function query(params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** request('GET', '/api/v1/kpis/', {params, body, token, signal}) -> the JSON body.
 *  Throws ApiError (or the AbortError of signal). */
export async function request(method, path, { params, body, token, signal } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path + query(params), {
      method, headers, signal, cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    const error = new ApiError('network',
      'The dashboard server does not answer. Check that "make run" is still running, then try again.');
    notify(error);
    throw error;
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (response.ok) {
    if (json === null) throw new ApiError('format', `The API answered ${path} with something that is not JSON.`, response.status);
    notify(null);
    return json;
  }
  const detail = json && typeof json.detail === 'string' ? json.detail : '';
  const code = json && typeof json.error === 'string' ? json.error : '';
  let error;
  if (response.status === 401) {
    error = new ApiError('auth', detail || 'The API did not accept the credentials.', 401, code);
  } else if ([502, 503, 504].includes(response.status)) {
    const why = json
      ? `The API answered ${response.status}: ${detail || code}.`
      : `The API gateway is not reachable (HTTP ${response.status}): it may be stopped or still starting.`;
    error = new ApiError('unavailable', why, response.status, code);
    // A JSON answer comes from the gateway (one service is down: the panel says so); anything
    // else is the dashboard server telling that the gateway itself is out of reach.
    if (!json) notify(error);
  } else {
    error = new ApiError('http', detail || `The API answered HTTP ${response.status}.`, response.status, code);
  }
  throw error;
}

export const get = (path, params, options = {}) => request('GET', path, { ...options, params });

/** The address of the CSV download of GET path with params (SPEC §10, format=csv): the
 *  same figures as the JSON answer a panel shows. */
export const csvUrl = (path, params) => path + query({ ...params, format: 'csv' });

/** /healthz: the gateway's view of each service. Resolves to {ok, body} and never throws
 *  (a gateway that is down is {ok: false, body: null}). */
export async function health(signal) {
  try {
    const r = await fetch('/healthz', { signal, cache: 'no-store', headers: { Accept: 'application/json' } });
    let body = null;
    try { body = await r.json(); } catch { body = null; }
    return { ok: r.ok, status: r.status, body };
  } catch {
    return { ok: false, status: 0, body: null };
  }
}
