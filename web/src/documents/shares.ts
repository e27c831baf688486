// Editing a document's share list in the share dialog: one entry per group or user, set or change its
// access, remove it; plus where the dialog finds people and groups for this account.
import { api, type Me } from '../api';
import { chatApi } from '../chatApi';
import type { Access, Share } from './api';

/** `g:<id>` or `u:<id>`: one share per group or user. */
export function shareKey(s: Share): string {
  return 'group_id' in s ? `g:${s.group_id}` : `u:${s.user_id}`;
}

/** Adds a share or changes the access of the existing one for the same group or user. */
export function upsertShare(shares: readonly Share[], share: Share): Share[] {
  const key = shareKey(share);
  return shares.some((s) => shareKey(s) === key)
    ? shares.map((s) => (shareKey(s) === key ? share : s))
    : [...shares, share];
}

export function removeShare(shares: readonly Share[], key: string): Share[] {
  return shares.filter((s) => shareKey(s) !== key);
}

export function withAccess(share: Share, access: Access): Share {
  return 'group_id' in share ? { group_id: share.group_id, access } : { user_id: share.user_id, access };
}

export interface NamedRef {
  id: string;
  name: string;
}

/** The groups this account may pick: all of the school for an admin, else the own classes and groups. */
export async function shareableGroups(me: Me): Promise<NamedRef[]> {
  const groups = me.user.role === 'admin' ? await api.groups() : await api.myGroups();
  return groups.map((g) => ({ id: g.id, name: g.name })).sort((a, b) => a.name.localeCompare(b.name, 'de', { numeric: true }));
}

/**
 * How this account searches people: the user list for an admin, else the messenger's contacts or the
 * address book when those modules are on; null when none is available (groups still work).
 */
export function peopleSearch(me: Me): ((q: string) => Promise<NamedRef[]>) | null {
  const modules = new Set(me.modules ?? []);
  if (me.user.role === 'admin') {
    return async (q) => (await api.users({ q, status: 'active' })).map((u) => ({ id: u.id, name: u.display_name }));
  }
  if (modules.has('messenger')) {
    return async (q) => (await chatApi.contacts(q)).users.map((u) => ({ id: u.id, name: u.display_name }));
  }
  if (modules.has('addressbook')) {
    return async (q) => {
      const needle = q.trim().toLocaleLowerCase('de');
      return (await api.addressBook())
        .filter((e) => e.display_name.toLocaleLowerCase('de').includes(needle))
        .slice(0, 20)
        .map((e) => ({ id: e.user_id, name: e.display_name }));
    };
  }
  return null;
}
