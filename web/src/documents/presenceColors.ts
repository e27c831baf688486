// Author colours of live documents: one stable colour per user (carets, cursors, presence avatars),
// and the awareness `user` field of docs/documents.md.

/** Colours with enough contrast to white text and to a white page. */
export const AUTHOR_COLORS = [
  '#1d4e89', '#b42318', '#23734d', '#8a4baf', '#b35c00', '#0f7a8a', '#a3306b', '#4b5cc4', '#5c6b00', '#7a4f2a',
] as const;

/** A stable colour for a user id (FNV-1a hash over the id). */
export function colorForUser(userId: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) {
    hash ^= userId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return AUTHOR_COLORS[(hash >>> 0) % AUTHOR_COLORS.length]!;
}

/** The colour at 20 % opacity, for selections (`#rrggbb33`). */
export function lightColor(color: string): string {
  return /^#[0-9a-f]{6}$/i.test(color) ? `${color}33` : color;
}

export interface AwarenessUser {
  id: string;
  name: string;
  color: string;
}

/**
 * The people in a document from the awareness states, one entry per user (several tabs of the same
 * person count once), the local user first, then by name.
 */
export function presentUsers(states: Iterable<unknown>, selfId: string): AwarenessUser[] {
  const byId = new Map<string, AwarenessUser>();
  for (const state of states) {
    const user = (state as { user?: unknown } | null)?.user as Partial<AwarenessUser> | undefined;
    if (!user || typeof user.id !== 'string' || typeof user.name !== 'string') continue;
    if (!byId.has(user.id)) byId.set(user.id, { id: user.id, name: user.name, color: typeof user.color === 'string' ? user.color : '#5f6b7a' });
  }
  return [...byId.values()].sort(
    (a, b) => Number(b.id === selfId) - Number(a.id === selfId) || a.name.localeCompare(b.name, 'de'),
  );
}
