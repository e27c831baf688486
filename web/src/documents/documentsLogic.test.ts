// Unit tests for the small pure helpers of live documents: close codes, colours, presence, file names, shares.
import { describe, expect, it } from 'vitest';
import { translate } from '../i18n';
import { closeMessageKey, isFinalClose } from './closeCodes';
import { escapeHtml, fileName, htmlDocument } from './exportFiles';
import { colorForUser, lightColor, presentUsers } from './presenceColors';
import { removeShare, shareKey, upsertShare, withAccess } from './shares';

describe('close codes', () => {
  it('treats 4400–4499 as final', () => {
    expect(isFinalClose(4404)).toBe(true);
    expect(isFinalClose(4499)).toBe(true);
    expect(isFinalClose(4008)).toBe(false);
    expect(isFinalClose(1006)).toBe(false);
  });

  it('has a clear German message for the documented codes', () => {
    expect(translate('de', closeMessageKey(4413)!)).toBe('Das Dokument ist zu groß. Die letzte Änderung konnte nicht gespeichert werden.');
    expect(translate('de', closeMessageKey(4403)!)).toContain('keinen Zugriff');
    expect(translate('de', closeMessageKey(4404)!)).toContain('Papierkorb');
    expect(translate('de', closeMessageKey(4401)!)).toContain('nicht mehr angemeldet');
    for (const code of [4400, 4429, 4008, 1011, 1013, 1001]) expect(closeMessageKey(code)).toBe(`doc.close.${code}`);
  });

  it('has a general message for other final codes and none for network drops', () => {
    expect(translate('de', closeMessageKey(4450)!, { code: 4450 })).toContain('Code 4450');
    expect(closeMessageKey(1006)).toBeNull();
    expect(closeMessageKey(1000)).toBeNull();
  });
});

describe('author colours and presence', () => {
  it('gives a stable colour per user', () => {
    expect(colorForUser('u1')).toBe(colorForUser('u1'));
    expect(colorForUser('u1')).toMatch(/^#[0-9a-f]{6}$/);
    expect(lightColor('#1d4e89')).toBe('#1d4e8933');
  });

  it('lists each present user once, self first', () => {
    const states = [
      { user: { id: 'b', name: 'Zora', color: '#111111' } },
      { user: { id: 'a', name: 'Anna', color: '#222222' } },
      { user: { id: 'me', name: 'Max', color: '#333333' } },
      { user: { id: 'a', name: 'Anna', color: '#222222' } },
      { cursor: null },
      null,
    ];
    expect(presentUsers(states, 'me').map((u) => u.name)).toEqual(['Max', 'Anna', 'Zora']);
  });
});

describe('export files', () => {
  it('makes safe file names', () => {
    expect(fileName('Referat: Wale / Delfine?', 'md')).toBe('Referat Wale Delfine.md');
    expect(fileName('  ', 'txt')).toBe('Dokument.txt');
    expect(fileName('..versteckt', 'html')).toBe('versteckt.html');
  });

  it('escapes the title in the HTML file', () => {
    expect(escapeHtml('<b>&"')).toBe('&lt;b&gt;&amp;&quot;');
    const html = htmlDocument('A <script>', '<p>x</p>');
    expect(html).toContain('<title>A &lt;script&gt;</title>');
    expect(html).toContain('<p>x</p>');
  });
});

describe('share list editing', () => {
  it('keeps one share per group or user and changes access in place', () => {
    let shares = upsertShare([], { group_id: 'g1', access: 'read' });
    shares = upsertShare(shares, { user_id: 'u1', access: 'write' });
    shares = upsertShare(shares, withAccess(shares[0]!, 'write'));
    expect(shares).toEqual([
      { group_id: 'g1', access: 'write' },
      { user_id: 'u1', access: 'write' },
    ]);
    // A group and a user with the same id are different shares.
    expect(upsertShare(shares, { user_id: 'g1', access: 'read' })).toHaveLength(3);
    expect(removeShare(shares, shareKey({ group_id: 'g1', access: 'read' }))).toEqual([{ user_id: 'u1', access: 'write' }]);
  });
});
