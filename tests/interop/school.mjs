// A school set up through the JSON API (docs/api.md, docs/documents.md) for the interop tests: a
// teacher who owns a text document, a pupil of class 5a (write share with the class) and a pupil
// with a read share of her own. Each person has a session (cookie jar) and gets document tokens.
import { check } from './runner.mjs';

/** A tiny JSON API client with its own cookie jar (one person's session). */
export function apiClient(origin) {
  const jar = new Map();
  async function call(method, urlPath, body, { expect } = {}) {
    const headers = { accept: 'application/json', origin };
    if (jar.size) headers.cookie = cookieHeader();
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${origin}${urlPath}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      jar.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
    }
    const text = await res.text();
    if (expect !== undefined ? res.status !== expect : !res.ok) {
      throw new Error(`${method} ${urlPath} answered ${res.status}: ${text}`);
    }
    return text ? JSON.parse(text) : undefined;
  }
  function cookieHeader() {
    return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  call.cookieHeader = cookieHeader;
  return call;
}

/** Logs in, replaces the initial password (new accounts must) and logs in again. */
async function signIn(origin, slug, login, initialPassword) {
  const api = apiClient(origin);
  const newPassword = `Neu-${login}-Passwort-2024!`;
  await api('POST', '/api/auth/login', { login, password: initialPassword, school: slug });
  await api('POST', '/api/me/password', { current_password: initialPassword, new_password: newPassword });
  const me = await api('POST', '/api/auth/login', { login, password: newPassword, school: slug });
  return { api, user: me.user, login };
}

/**
 * The admin switches on `texts`, makes teacher Anna, pupil Max (class 5a) and pupil Lea; Anna
 * creates the text document and shares it: class 5a write, Lea read.
 * Returns `{ doc, anna, max, lea, admin }`; each person has `token()` for the document.
 */
export async function setUpSchool(t, server) {
  const { origin, boot } = server;
  const slug = boot.school.slug;
  const admin = await signIn(origin, slug, boot.login, boot.password);
  const api = admin.api;
  const sw = await api('PUT', '/api/modules/texts', { enabled: true });
  check(sw.enabled === true, 'module texts switched on');
  const teacher = await api('POST', '/api/users', { login: 'anna.lehrer', display_name: 'Anna Lehrer', role: 'teacher' });
  const pupil = (login, display_name) =>
    api('POST', '/api/users', { login, display_name, role: 'pupil', birth_date: '2013-03-01', consents: ['parents'] });
  const maxU = await pupil('max.muster', 'Max Muster');
  const leaU = await pupil('lea.leser', 'Lea Leser');
  check(maxU.user.status === 'active' && leaU.user.status === 'active', 'pupils with consent are active');
  const group = await api('POST', '/api/groups', { name: '5a', kind: 'class' });
  await api('PUT', `/api/groups/${group.id}/members/${teacher.user.id}`, { role: 'leader' });
  await api('PUT', `/api/groups/${group.id}/members/${maxU.user.id}`, { role: 'member' });

  const anna = await signIn(origin, slug, 'anna.lehrer', teacher.initial_password);
  const max = await signIn(origin, slug, 'max.muster', maxU.initial_password);
  const lea = await signIn(origin, slug, 'lea.leser', leaU.initial_password);
  const doc = await anna.api('POST', '/api/documents', { kind: 'text', title: 'Aufsatz 5a' });
  await anna.api('PUT', `/api/documents/${doc.id}/shares`, {
    shares: [
      { group_id: group.id, access: 'write' },
      { user_id: leaU.user.id, access: 'read' },
    ],
  });
  check((await max.api('GET', `/api/documents/${doc.id}`)).my_access === 'write', 'Max (class 5a) has write access');
  check((await lea.api('GET', `/api/documents/${doc.id}`)).my_access === 'read', 'Lea has read access');
  for (const p of [admin, anna, max, lea]) {
    p.token = async (docId = doc.id) => {
      const answer = await p.api('POST', `/api/documents/${docId}/token`);
      check(typeof answer?.token === 'string' && answer.token.length > 0, `POST /api/documents/${docId}/token answered a token (got ${JSON.stringify(answer)})`);
      return answer.token;
    };
  }
  t.log(`school set up: document ${doc.id} owned by anna.lehrer, class 5a (max.muster) write, lea.leser read`);
  return { doc, anna, max, lea, admin, group };
}
