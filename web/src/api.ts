// Typed client for the schulhof JSON API (docs/api.md): fetch wrapper, ApiError, and one function per endpoint.

export type Role = 'pupil' | 'teacher' | 'parent' | 'admin';
export type UserStatus = 'active' | 'restricted' | 'inactive' | 'deleted';
export type GroupKind = 'class' | 'course' | 'custom';
export type MemberRole = 'member' | 'leader';

export interface User {
  id: string;
  login: string;
  display_name: string;
  role: Role;
  status: UserStatus;
  import_id: string | null;
  birth_date: string | null;
  email?: string | null;
  must_change_password: boolean;
  created_at: number;
}

export interface School {
  id: string;
  name: string;
  slug: string;
}

export interface Me {
  user: User;
  school: School;
  /** The modules the school has switched on. */
  modules: Module[];
}

/** The platform's modules, in the order the modules page shows them. */
export const MODULES = ['messenger', 'video', 'documents', 'texts', 'boards', 'polls', 'files', 'mail', 'addressbook'] as const;
export type Module = (typeof MODULES)[number];

export type ConsentGiver = 'parents' | 'pupil';

export interface ConsentRecord {
  id: string;
  given_by: ConsentGiver;
  recorded_at: number;
  recorded_by: string | null;
  withdrawn_at: number | null;
}

export interface ConsentState {
  user_id: string;
  required: ConsentGiver[];
  present: ConsentGiver[];
  satisfied: boolean;
  records: ConsentRecord[];
}

export interface ModuleSwitch {
  module: Module;
  enabled: boolean;
  changed_at: number | null;
}

export interface AuditEntry {
  id: string;
  at: number;
  actor_id: string | null;
  actor_login: string;
  action: string;
  target_id: string | null;
  summary: string;
}

export interface AddressBookEntry {
  user_id: string;
  display_name: string;
  role: Role;
  groups: string[];
}

export interface NewUser {
  login: string;
  display_name: string;
  role: Role;
  birth_date?: string;
  import_id?: string;
  consents?: ConsentGiver[];
}

export interface Group {
  id: string;
  name: string;
  kind: GroupKind;
  owner_id: string | null;
  member_count: number;
}

export interface MyGroup extends Group {
  my_role: MemberRole;
}

export interface Member {
  user: User;
  role: MemberRole;
}

export interface Session {
  id: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  user_agent: string | null;
  current: boolean;
}

/** An error answered by the server (`{code, message, message_de}`) or a failure to reach it. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly messageDe: string;
  readonly field?: string;
  /** From the `Retry-After` header of a `429 login_throttled` answer. */
  retryAfterSeconds?: number;

  constructor(status: number, code: string, message: string, messageDe?: string, field?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.messageDe = messageDe ?? message;
    this.field = field;
  }

  /** The message in the UI language: German `message_de` for 'de', English `message` otherwise. */
  localized(lang: string): string {
    return lang === 'de' ? this.messageDe : this.message;
  }
}

/**
 * Builds an ApiError from an HTTP status and the raw response text. Accepts the documented
 * error body; anything else (an HTML page from a proxy, an empty body) becomes a generic error.
 */
export function parseApiError(status: number, bodyText: string): ApiError {
  let body: unknown = null;
  try {
    body = bodyText ? JSON.parse(bodyText) : null;
  } catch {
    body = null;
  }
  if (body && typeof body === 'object' && typeof (body as { code?: unknown }).code === 'string') {
    const b = body as { code: string; message?: unknown; message_de?: unknown; field?: unknown };
    const message = typeof b.message === 'string' ? b.message : `Request failed (${status}).`;
    const messageDe = typeof b.message_de === 'string' ? b.message_de : message;
    const field = typeof b.field === 'string' ? b.field : undefined;
    return new ApiError(status, b.code, message, messageDe, field);
  }
  return new ApiError(
    status,
    'http_error',
    `The server answered with an unexpected error (HTTP ${status}).`,
    `Der Server hat mit einem unerwarteten Fehler geantwortet (HTTP ${status}).`,
  );
}

/** Error codes that say something about the session itself rather than about one request. */
export const SESSION_CODES = ['unauthenticated', 'password_change_required'] as const;
export type SessionCode = (typeof SESSION_CODES)[number];

/**
 * Called whenever the server answers `401 unauthenticated` (session expired or revoked) or
 * `403 password_change_required` (the password was reset and must be replaced first).
 */
let onSessionProblem: ((code: SessionCode) => void) | null = null;
export function setSessionProblemHandler(handler: ((code: SessionCode) => void) | null): void {
  onSessionProblem = handler;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Sends one same-origin request and resolves with the response when it is OK. Network failures
 * and error answers become an ApiError (session problems are also reported to the handler).
 */
export async function send(path: string, init: RequestInit): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(path, { credentials: 'same-origin', ...init });
  } catch {
    throw new ApiError(
      0,
      'network',
      'The server cannot be reached. Please check the connection.',
      'Der Server ist nicht erreichbar. Bitte die Verbindung prüfen.',
    );
  }
  if (!res.ok) {
    const err = parseApiError(res.status, await res.text().catch(() => ''));
    const retryAfter = Number(res.headers.get('Retry-After'));
    if (res.status === 429 && retryAfter > 0) err.retryAfterSeconds = retryAfter;
    const code = SESSION_CODES.find((c) => c === err.code);
    if (code && onSessionProblem) onSessionProblem(code);
    throw err;
  }
  return res;
}

/** Sends one same-origin JSON request; resolves with the parsed body (undefined for 204). */
export async function request<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = {
    method,
    credentials: 'same-origin',
    headers: { Accept: 'application/json' },
  };
  if (method !== 'GET') {
    init.headers = { Accept: 'application/json', 'Content-Type': 'application/json' };
    if (body !== undefined) init.body = JSON.stringify(body);
  }
  const res = await send(path, init);
  const text = await res.text();
  if (res.status === 204 || text === '') return undefined as T;
  return JSON.parse(text) as T;
}

/** Builds a query string from the non-empty values, e.g. `?role=pupil&q=max`. */
export function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

const enc = encodeURIComponent;

export const api = {
  // Auth and self-service
  login: (login: string, password: string, school?: string) =>
    request<Me>('POST', '/api/auth/login', school ? { login, password, school } : { login, password }),
  logout: () => request<void>('POST', '/api/auth/logout'),
  me: () => request<Me>('GET', '/api/me'),
  myGroups: () => request<MyGroup[]>('GET', '/api/me/groups'),
  myChildren: () => request<User[]>('GET', '/api/me/children'),
  changePassword: (current_password: string, new_password: string) =>
    request<void>('POST', '/api/me/password', { current_password, new_password }),
  mySessions: () => request<Session[]>('GET', '/api/me/sessions'),
  revokeMySession: (id: string) => request<void>('DELETE', `/api/me/sessions/${enc(id)}`),

  // Administration: users
  users: (filter: { role?: string; status?: string; q?: string } = {}) =>
    request<User[]>('GET', `/api/users${query(filter)}`),
  createUser: (u: NewUser) =>
    request<{ user: User; initial_password: string }>('POST', '/api/users', u),
  deleteUser: (id: string) => request<void>('DELETE', `/api/users/${enc(id)}`),
  setUserStatus: (id: string, status: UserStatus) =>
    request<User>('PUT', `/api/users/${enc(id)}/status`, { status }),
  resetPassword: (id: string) =>
    request<{ initial_password: string }>('POST', `/api/users/${enc(id)}/password-reset`),

  // Administration: groups and memberships
  groups: (kind?: string) => request<Group[]>('GET', `/api/groups${query({ kind })}`),
  group: (id: string) => request<Group>('GET', `/api/groups/${enc(id)}`),
  createGroup: (name: string, kind: GroupKind) => request<Group>('POST', '/api/groups', { name, kind }),
  deleteGroup: (id: string) => request<void>('DELETE', `/api/groups/${enc(id)}`),
  members: (groupId: string) => request<Member[]>('GET', `/api/groups/${enc(groupId)}/members`),
  putMember: (groupId: string, userId: string, role: MemberRole) =>
    request<void>('PUT', `/api/groups/${enc(groupId)}/members/${enc(userId)}`, { role }),
  removeMember: (groupId: string, userId: string) =>
    request<void>('DELETE', `/api/groups/${enc(groupId)}/members/${enc(userId)}`),

  // Administration: consent, modules, audit log, data export
  userConsents: (id: string) => request<ConsentState>('GET', `/api/users/${enc(id)}/consents`),
  setConsents: (user_ids: string[], given_by: ConsentGiver, given: boolean) =>
    request<ConsentState[]>('POST', '/api/consents', { user_ids, given_by, given }),
  modules: () => request<ModuleSwitch[]>('GET', '/api/modules'),
  setModule: (module: Module, enabled: boolean) =>
    request<ModuleSwitch>('PUT', `/api/modules/${enc(module)}`, { enabled }),
  audit: (filter: { target?: string; before?: number; limit?: number } = {}) =>
    request<AuditEntry[]>(
      'GET',
      `/api/audit${query({ target: filter.target, before: filter.before?.toString(), limit: filter.limit?.toString() })}`,
    ),
  /** The data export of one user (a JSON attachment); used as a plain download link. */
  userExportUrl: (id: string) => `/api/users/${enc(id)}/export`,

  // Modules
  addressBook: () => request<AddressBookEntry[]>('GET', '/api/addressbook'),
};
