// Sign-in for the protected routes (Recent Orders, the Data and Loads pages). The tokens live in sessionStorage: they
// last as long as the browser tab, as the issue asks, and never reach localStorage.
import { ApiError, csvUrl, request } from './api.js';

const KEY = 'ecom.auth';

/** The stored session {access, refresh, username, source} or null. */
export function session() {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) || 'null');
    return s && typeof s.access === 'string' ? s : null;
  } catch {
    return null;
  }
}

function save(s) {
  sessionStorage.setItem(KEY, JSON.stringify(s));
}

export function signOut() {
  sessionStorage.removeItem(KEY);
}

/** The payload of a JWT, or null when text does not look like one. Reading it is only to
 *  say whose token it is and when it ends; the gateway checks the signature. */
export function decodeJwt(text) {
  const parts = text.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p)) || !parts[1]) return null;
  try {
    const b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = decodeURIComponent(Array.from(atob(b64.padEnd(b64.length + ((4 - (b64.length % 4)) % 4), '=')),
      (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join(''));
    const payload = JSON.parse(json);
    return payload && typeof payload === 'object' ? payload : null;
  } catch {
    return null;
  }
}

/** Signs in with a username and password (POST /api/v1/auth/token/). Resolves to the new
 *  session; rejects with ApiError (kind 'auth' for wrong credentials). */
export async function signIn(username, password) {
  const body = await request('POST', '/api/v1/auth/token/', { body: { username, password } });
  if (typeof body.access !== 'string') throw new ApiError('format', 'The sign-in answer holds no access token.');
  const s = { access: body.access, refresh: typeof body.refresh === 'string' ? body.refresh : null, username, source: 'password' };
  save(s);
  return s;
}

/** Keeps a pasted access token. Returns the new session, or throws an Error whose message
 *  says what is wrong with the text (the gateway will still judge the signature). */
export function usePastedToken(text) {
  const token = text.trim().replace(/^Bearer\s+/i, '');
  const payload = decodeJwt(token);
  if (!payload) throw new Error('That does not look like a JWT (three base64url parts separated by dots).');
  if (payload.token_type === 'refresh') throw new Error('That is a refresh token. Paste the access token instead.');
  if (typeof payload.exp === 'number' && payload.exp * 1000 <= Date.now()) {
    throw new Error(`That token expired on ${new Date(payload.exp * 1000).toLocaleString('en-US')}. Sign in again for a new one.`);
  }
  const s = { access: token, refresh: null, username: typeof payload.sub === 'string' ? payload.sub : null, source: 'pasted' };
  save(s);
  return s;
}

/** A request with the session's access token (method, path, {params, body, signal}). On a
 *  401 it trades the refresh token (when there is one) for a new access token once and
 *  retries. A final 401 signs out and rethrows. */
export async function authorizedRequest(method, path, { params, body, signal } = {}) {
  const s = session();
  if (!s) throw new ApiError('auth', 'Not signed in.', 401);
  try {
    return await request(method, path, { params, body, signal, token: s.access });
  } catch (e) {
    if (!(e instanceof ApiError) || e.kind !== 'auth') throw e;
    if (s.refresh) {
      let fresh = null;
      try {
        fresh = await request('POST', '/api/v1/auth/token/refresh/', { body: { refresh: s.refresh }, signal });
      } catch (r) {
        if (!(r instanceof ApiError) || r.kind !== 'auth') throw r;
      }
      if (fresh && typeof fresh.access === 'string') {
        save({ ...s, access: fresh.access });
        try {
          return await request(method, path, { params, body, signal, token: fresh.access });
        } catch (again) {
          if (!(again instanceof ApiError) || again.kind !== 'auth') throw again;
          e = again;
        }
      }
    }
    signOut();
    throw e;
  }
}

/** Downloads the CSV export of a list (SPEC §10: format=csv, every matching row) with the
 *  session's access token: a link cannot carry the token, so the file is fetched and handed
 *  to the browser as a download under the name the API gives it. Throws ApiError. */
export async function authorizedDownload(path, params) {
  const s = session();
  if (!s) throw new ApiError('auth', 'Not signed in.', 401);
  let response;
  try {
    response = await fetch(csvUrl(path, params), { headers: { Authorization: `Bearer ${s.access}` }, cache: 'no-store' });
  } catch {
    throw new ApiError('network', 'The dashboard server does not answer.');
  }
  if (!response.ok) {
    throw new ApiError(response.status === 401 ? 'auth' : 'http', `The export failed (HTTP ${response.status}).`, response.status);
  }
  const blob = await response.blob();
  const named = /filename="([^"]+)"/.exec(response.headers.get('Content-Disposition') || '');
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = named ? named[1] : 'export.csv';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

/** GET with the session's access token (authorizedRequest). */
export const authorizedGet = (path, params, { signal } = {}) => authorizedRequest('GET', path, { params, signal });
