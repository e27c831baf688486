// Unit tests for the API client: error body parsing, localized messages, query strings, request shape.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError, parseApiError, query, request, setSessionProblemHandler } from './api';

describe('parseApiError', () => {
  it('reads the documented error body', () => {
    const err = parseApiError(
      401,
      JSON.stringify({
        code: 'invalid_credentials',
        message: 'Login name or password is wrong.',
        message_de: 'Anmeldename oder Passwort ist falsch.',
      }),
    );
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(401);
    expect(err.code).toBe('invalid_credentials');
    expect(err.localized('de')).toBe('Anmeldename oder Passwort ist falsch.');
    expect(err.localized('en')).toBe('Login name or password is wrong.');
    expect(err.field).toBeUndefined();
  });

  it('keeps the field of a validation error', () => {
    const err = parseApiError(422, '{"code":"validation_failed","message":"Too short.","message_de":"Zu kurz.","field":"new_password"}');
    expect(err.code).toBe('validation_failed');
    expect(err.field).toBe('new_password');
  });

  it('falls back to the English message when message_de is missing', () => {
    const err = parseApiError(409, '{"code":"conflict_login_taken","message":"Login taken."}');
    expect(err.localized('de')).toBe('Login taken.');
  });

  it('turns a non-JSON body into a generic error with the status', () => {
    const err = parseApiError(502, '<html>Bad Gateway</html>');
    expect(err.code).toBe('http_error');
    expect(err.status).toBe(502);
    expect(err.localized('de')).toContain('HTTP 502');
    expect(err.localized('en')).toContain('HTTP 502');
  });

  it('treats an empty body or JSON without a code as generic', () => {
    expect(parseApiError(500, '').code).toBe('http_error');
    expect(parseApiError(500, '{"error":"x"}').code).toBe('http_error');
    expect(parseApiError(500, 'null').code).toBe('http_error');
  });
});

describe('query', () => {
  it('drops empty values and encodes the rest', () => {
    expect(query({ role: 'pupil', status: '', q: 'Anna Müller' })).toBe('?role=pupil&q=Anna+M%C3%BCller');
    expect(query({ role: undefined })).toBe('');
  });
});

describe('request', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    setSessionProblemHandler(null);
  });

  it('sends same-origin JSON for mutating requests', async () => {
    const fetchMock = vi.fn(async () => new Response('{"id":"g1","name":"5a","kind":"class","owner_id":null,"member_count":0}', { status: 201 }));
    vi.stubGlobal('fetch', fetchMock);
    const g = await api.createGroup('5a', 'class');
    expect(g.name).toBe('5a');
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/groups');
    expect(init.method).toBe('POST');
    expect(init.credentials).toBe('same-origin');
    expect((init.headers as Record<string, string>)['Content-Type']).toBe('application/json');
    expect(JSON.parse(init.body as string)).toEqual({ name: '5a', kind: 'class' });
  });

  it('resolves 204 with undefined', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(null, { status: 204 })));
    await expect(request('POST', '/api/auth/logout')).resolves.toBeUndefined();
  });

  it('throws ApiError and reports unauthenticated', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response('{"code":"unauthenticated","message":"Please log in.","message_de":"Bitte anmelden."}', { status: 401 })),
    );
    const handler = vi.fn();
    setSessionProblemHandler(handler);
    await expect(api.me()).rejects.toMatchObject({ code: 'unauthenticated', status: 401 });
    expect(handler).toHaveBeenCalledExactlyOnceWith('unauthenticated');
  });

  it('reports a required password change but not other refusals', async () => {
    const handler = vi.fn();
    setSessionProblemHandler(handler);
    const answer = (code: string) =>
      vi.fn(async () => new Response(JSON.stringify({ code, message: 'm', message_de: 'd' }), { status: 403 }));
    vi.stubGlobal('fetch', answer('forbidden'));
    await expect(api.users()).rejects.toMatchObject({ code: 'forbidden' });
    expect(handler).not.toHaveBeenCalled();
    vi.stubGlobal('fetch', answer('password_change_required'));
    await expect(api.users()).rejects.toMatchObject({ code: 'password_change_required' });
    expect(handler).toHaveBeenCalledExactlyOnceWith('password_change_required');
  });

  it('keeps Retry-After of a throttled login', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response('{"code":"login_throttled","message":"Too many.","message_de":"Zu viele."}', { status: 429, headers: { 'Retry-After': '42' } })),
    );
    await expect(api.login('anna', 'x')).rejects.toMatchObject({ code: 'login_throttled', retryAfterSeconds: 42 });
  });

  it('maps a network failure to code "network"', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    await expect(api.myGroups()).rejects.toMatchObject({ code: 'network', status: 0 });
  });

  it('leaves out the school unless given', async () => {
    const fetchMock = vi.fn(async () => new Response('{}', { status: 200 }));
    vi.stubGlobal('fetch', fetchMock);
    await api.login('anna', 'secret123');
    await api.login('anna', 'secret123', 'gym-musterstadt');
    const bodies = fetchMock.mock.calls.map((c) => JSON.parse((c as unknown as [string, RequestInit])[1].body as string));
    expect(bodies[0]).toEqual({ login: 'anna', password: 'secret123' });
    expect(bodies[1]).toEqual({ login: 'anna', password: 'secret123', school: 'gym-musterstadt' });
  });
});
