// The staff editor's client of the server: every call carries the session
// cookie and, on writes, the session's CSRF token.

/** SESSION_FLAG remembers that this browser may hold a session: the cookie is HttpOnly. */
const SESSION_FLAG = 'partymap.editor.session';

/**
 * createAPI returns { call, resume, login, logout }. call(method, path,
 * { body, type, headers, query }) resolves to { status, ok, data, etag },
 * data being the JSON answer (a problem's detail included) or null; query
 * values are added to the path's parameters.
 */
export function createAPI() {
  let csrf = null;

  async function call(method, path, { body, type, headers = {}, query } = {}) {
    const h = { Accept: 'application/json, application/geo+json', ...headers };
    if (method !== 'GET' && csrf) h['X-CSRF-Token'] = csrf;
    if (body !== undefined) h['Content-Type'] = type || 'application/json';
    const url = new URL(path, document.baseURI);
    for (const [k, v] of Object.entries(query || {})) {
      if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, v);
    }
    let res;
    try {
      res = await fetch(url, {
        method, headers: h, credentials: 'same-origin',
        body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)),
      });
    } catch {
      return { status: 0, ok: false, data: null, etag: null };
    }
    let data = null;
    if ((res.headers.get('Content-Type') || '').includes('json')) data = await res.json().catch(() => null);
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

/**
 * bindLogin wires a staff page's login form (the editor, the orders desk,
 * the venue desk): on submit it logs in with the name and password fields,
 * empties the password, and shows the refusal in the error element (shown
 * only when there is one) or calls onLoggedIn(user). ids name the form,
 * name, password and error elements.
 */
export function bindLogin(api, i18n, ids, onLoggedIn) {
  const $ = (id) => document.getElementById(id);
  const say = (text) => {
    $(ids.error).textContent = text;
    $(ids.error).hidden = !text;
  };
  $(ids.form).addEventListener('submit', async (ev) => {
    ev.preventDefault();
    say('');
    const r = await api.login($(ids.name).value, $(ids.password).value);
    $(ids.password).value = '';
    if (!r.ok) {
      say(problemText(r, i18n));
      return;
    }
    await onLoggedIn(r.data);
  });
}

/**
 * problemText is what the page says about a refused answer, in its own
 * language: the server's sentence in that language when it has one
 * (detail_zh beside detail), else the page's own words for the status:
 * never the other language.
 */
export function problemText(r, i18n) {
  const p = r.data || {};
  const own = i18n.lang() === 'en' ? p.detail : p.detail_zh;
  if (own) return own;
  const { t } = i18n;
  switch (true) {
    case r.status === 401: return t('err401');
    case r.status === 403: return t('err403');
    case r.status === 404: return t('err404');
    case r.status === 409: return t('err409');
    case r.status === 429: return t('err429');
    case r.status === 0 || r.status >= 500: return t('err5xx');
  }
  return t('errOther', { status: r.status });
}
