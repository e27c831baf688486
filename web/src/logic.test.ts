// Unit tests for small pure helpers of the pages: routing, password rules, lists and labels.
import { describe, expect, it } from 'vitest';
import type { User } from './api';
import { initials } from './components';
import { passwordProblem } from './pages/ChangePassword';
import { sortGroups } from './pages/Dashboard';
import { memberCandidates } from './pages/Groups';
import { describeUserAgent } from './pages/Sessions';
import { statusActions } from './pages/Users';
import { matchRoute } from './router';

describe('matchRoute', () => {
  it('matches static and parameter segments', () => {
    expect(matchRoute('/', '/')).toEqual({});
    expect(matchRoute('/admin/users', '/admin/users/')).toEqual({});
    expect(matchRoute('/admin/groups/:id', '/admin/groups/abc%20d')).toEqual({ id: 'abc d' });
    expect(matchRoute('/admin/groups/:id', '/admin/groups')).toBeNull();
    expect(matchRoute('/admin/users', '/admin/groups')).toBeNull();
    expect(matchRoute('/admin/groups/:id', '/admin/groups/%E0%A4%A')).toBeNull();
  });
});

describe('passwordProblem', () => {
  it('checks length and repetition', () => {
    expect(passwordProblem('kurz', 'kurz')).toBe('pw.tooShort');
    expect(passwordProblem('lang-genug', 'lang-genuh')).toBe('pw.mismatch');
    expect(passwordProblem('lang-genug', 'lang-genug')).toBeNull();
  });
});

describe('lists', () => {
  const user = (id: string, display_name: string, status: User['status'] = 'active'): User => ({
    id,
    login: id,
    display_name,
    role: 'pupil',
    status,
    import_id: null,
    birth_date: null,
    must_change_password: false,
    created_at: 0,
  });

  it('sorts classes first, then by name with numbers in order', () => {
    const sorted = sortGroups([
      { kind: 'custom', name: 'Chor' },
      { kind: 'class', name: '10a' },
      { kind: 'course', name: 'Mathe LK' },
      { kind: 'class', name: '5a' },
    ]);
    expect(sorted.map((g) => g.name)).toEqual(['5a', '10a', 'Mathe LK', 'Chor']);
  });

  it('offers only non-deleted non-members matching the filter', () => {
    const users = [user('a', 'Anna Berg'), user('b', 'Ben Cor'), user('c', 'Cem Dal', 'deleted'), user('d', 'Dora Anders')];
    const ids = (us: User[]) => us.map((u) => u.id);
    expect(ids(memberCandidates(users, new Set(['b']), ''))).toEqual(['a', 'd']);
    expect(ids(memberCandidates(users, new Set(), 'and'))).toEqual(['d']);
  });

  it('computes initials and status actions', () => {
    expect(initials('Anna Maria Berg')).toBe('AB');
    expect(initials('admin')).toBe('A');
    expect(statusActions('active')).toEqual(['inactive']);
    expect(statusActions('inactive')).toEqual(['active']);
    expect(statusActions('restricted')).toEqual(['active', 'inactive']);
  });

  it('describes user agents briefly', () => {
    expect(describeUserAgent(null)).toBeNull();
    expect(
      describeUserAgent('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36'),
    ).toBe('Chrome · Linux');
    expect(describeUserAgent('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0')).toBe(
      'Firefox · Windows',
    );
    expect(describeUserAgent('curl/8.0')).toBe('curl/8.0');
  });
});
