// The staff editor's client of the server: every call carries the session
// cookie and, on writes, the session's CSRF token.

/** SESSION_FLAG remembers that this browser may hold a session: the cookie is HttpOnly. */
const SESSION_FLAG = 'partymap.editor.session';

/**
 * createAPI returns { call, resume, login, logout }. call(method, path,
 * { body, type, headers }) resolves to { status, ok, data, etag }, data
 * being the JSON answer (a problem's detail included) or null.
 */
export function createAPI() {
  let csrf = null;

  async function call(method, path, { body, type, headers = {} } = {}) {
    const h = { Accept: 'application/json, application/geo+json', ...headers };
    if (method !== 'GET' && csrf) h['X-CSRF-Token'] = csrf;
    if (body !== undefined) h['Content-Type'] = type || 'application/json';
    const res = await fetch(new URL(path, document.baseURI), {
      method, headers: h, credentials: 'same-origin',
      body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)),
    });
    let data = null;
    if ((res.headers.get('Content-Type') || '').includes('json')) data = await res.json();
    return { status: res.status, ok: res.ok, data, etag: res.headers.get('ETag') };
  }

  const started = (r) => {
    if (r.ok) {
      csrf = r.data.csrf_token;
      localStorage.setItem(SESSION_FLAG, '1');
    } else {
      localStorage.removeItem(SESSION_FLAG);
    }
    return r;
  };

  return {
    call,
    /**
     * resume picks up a session the browser still has; a page that never
     * logged in does not ask (and get a 401). Resolves to the session or null.
     */
    async resume() {
      if (!localStorage.getItem(SESSION_FLAG)) return null;
      const r = started(await call('GET', 'api/session'));
      return r.ok ? r.data : null;
    },
    /** login resolves to the answer: data is the session when ok, a problem when not. */
    async login(name, password) {
      return started(await call('POST', 'api/login', { body: { name, password } }));
    },
    async logout() {
      await call('POST', 'api/logout');
      csrf = null;
      localStorage.removeItem(SESSION_FLAG);
    },
  };
}
