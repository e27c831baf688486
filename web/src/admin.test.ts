// Unit tests for pure helpers of the admin pages: import summary, mapping, audit wording, modules and lists.
import { describe, expect, it } from 'vitest';
import type { AuditEntry, Me, User } from './api';
import { auditActionKey, auditSummary, auditTarget } from './auditFormat';
import { translate, type MessageKey, type Params } from './i18n';
import type { PlanSummary } from './importApi';
import { deactivationReason, formatSummary, mappingRows, planHasChanges, separatorLabel, summaryItems } from './importSummary';
import { filterAddressBook } from './pages/AddressBook';
import { appendPage } from './pages/Audit';
import { pupilsOf } from './pages/Consents';
import { moduleTiles } from './pages/Dashboard';
import { formatBytes } from './pages/Import';
import { fieldsFor, formToMapping, mappingToForm } from './pages/ImportProfile';
import { percent } from './pages/ImportRun';
import { orderModules } from './pages/Modules';

const de = (key: MessageKey, params?: Params) => translate('de', key, params);
const en = (key: MessageKey, params?: Params) => translate('en', key, params);

const summary = (over: Partial<PlanSummary> = {}): PlanSummary => ({
  creates: 0,
  updates: 0,
  moves: 0,
  class_creates: 0,
  class_renames: 0,
  deactivations: 0,
  reactivations: 0,
  parent_links: 0,
  parent_unlinks: 0,
  skipped_leavers: 0,
  rejected: 0,
  ...over,
});

describe('import summary', () => {
  it('lists the non-zero counts in words, singular and plural', () => {
    const s = summary({ creates: 25, class_creates: 2, rejected: 1, skipped_leavers: 1 });
    expect(summaryItems(s, de).map((i) => i.text)).toEqual([
      '25 neue Konten',
      '2 neue Klassen',
      '1 Abgänger/in übersprungen',
      '1 abgelehnte Zeile',
    ]);
    expect(formatSummary(s, de)).toBe('25 neue Konten · 2 neue Klassen · 1 Abgänger/in übersprungen · 1 abgelehnte Zeile');
    expect(formatSummary(summary({ creates: 1, moves: 3 }), en)).toBe('1 new account · 3 class changes');
  });

  it('says "Keine Änderungen" when only skipped or rejected lines remain', () => {
    expect(planHasChanges(summary())).toBe(false);
    expect(planHasChanges(summary({ rejected: 4, skipped_leavers: 1 }))).toBe(false);
    expect(planHasChanges(summary({ parent_unlinks: 1 }))).toBe(true);
    expect(formatSummary(summary(), de)).toBe('Keine Änderungen');
    expect(formatSummary(summary({ rejected: 2 }), de)).toBe('Keine Änderungen · 2 abgelehnte Zeilen');
  });

  it('names separators, deactivation reasons and mapped columns', () => {
    expect(separatorLabel(';', de)).toBe('Semikolon (;)');
    expect(separatorLabel('\t', en)).toBe('Tab (⇥)');
    expect(separatorLabel('#', de)).toBe('#');
    expect(deactivationReason({ kind: 'left', schild_status: 9 }, de)).toBe('Abgang laut Datei (Status 9)');
    expect(deactivationReason({ kind: 'missing_from_file' }, de)).toBe('Nicht mehr in der Datei');
    expect(mappingRows({ import_id: 'ID', last_name: 'Nachname', first_name: 'Vorname', class: 'Klasse' })).toEqual([
      ['import_id', 'ID'],
      ['last_name', 'Nachname'],
      ['first_name', 'Vorname'],
      ['class', 'Klasse'],
    ]);
  });
});

describe('import page helpers', () => {
  it('turns the mapping form into a profile and back', () => {
    const form = mappingToForm({ import_id: 'Interne ID-Nummer', last_name: 'Nachname', first_name: 'Vorname', status: 'Status' });
    expect(form.class).toBe('');
    form.class = ' Klasse ';
    expect(formToMapping(form)).toEqual({
      import_id: 'Interne ID-Nummer',
      last_name: 'Nachname',
      first_name: 'Vorname',
      class: 'Klasse',
      status: 'Status',
    });
    expect(fieldsFor('parents')).toContain('child_import_id');
    expect(fieldsFor('pupils')).not.toContain('child_import_id');
    expect(fieldsFor('teachers')).not.toContain('class');
  });

  it('computes progress and file sizes', () => {
    expect(percent(0, 0)).toBe(0);
    expect(percent(1, 3)).toBe(33);
    expect(percent(5, 4)).toBe(100);
    expect(formatBytes(984, 'de')).toBe('984 B');
    expect(formatBytes(1536, 'de')).toBe('1,5 KB');
    expect(formatBytes(3 * 1024 * 1024, 'en')).toBe('3 MB');
  });
});

describe('audit log wording', () => {
  const entry = (action: string, summary: string): Pick<AuditEntry, 'action' | 'summary'> => ({ action, summary });

  it('names known actions and leaves unknown ones as code', () => {
    expect(auditActionKey('import.applied')).toBe('audit.a.import.applied');
    expect(de(auditActionKey('module.switched')!)).toBe('Modul umgeschaltet');
    expect(auditActionKey('something.new')).toBeNull();
  });

  it('puts known summaries into words', () => {
    expect(auditSummary(entry('import.applied', 'import pupils {"creates":25,"class_creates":2,"rejected":1}'), de)).toBe(
      'Schüler/innen: 25 neue Konten · 2 neue Klassen · 1 abgelehnte Zeile',
    );
    expect(auditSummary(entry('consent.recorded', 'given by parents'), de)).toBe('Einwilligung von: Eltern');
    expect(auditSummary(entry('user.status', 'consent rule: restricted → active'), de)).toBe('Altersregel: Eingeschränkt → Aktiv');
    expect(auditSummary(entry('user.status', 'active → inactive'), en)).toBe('Active → Inactive');
    expect(auditSummary(entry('module.switched', 'addressbook on'), de)).toBe('Adressbuch: Ein');
    expect(auditSummary(entry('user.created', 'role pupil, status restricted'), de)).toBe('Schüler/in, Eingeschränkt');
    expect(auditSummary(entry('import.applied', 'import pupils {broken'), de)).toBe('import pupils {broken');
    expect(auditSummary(entry('group.created', 'class 5a'), de)).toBe('class 5a');
  });

  it('shows targets by name where known', () => {
    const names = new Map([['u1', 'Anna Müller']]);
    expect(auditTarget('u1', names, de)).toBe('Anna Müller');
    expect(auditTarget('addressbook', names, de)).toBe('Adressbuch');
    expect(auditTarget('pupils:0190-run', names, de)).toBe('Schüler/innen');
    expect(auditTarget('unknown-id', names, de)).toBeNull();
    expect(auditTarget(null, names, de)).toBeNull();
  });

  it('appends older pages without repeating entries of the boundary millisecond', () => {
    const e = (id: string, at: number) => ({ id, at }) as AuditEntry;
    expect(appendPage([e('c', 3), e('b', 2)], [e('b', 2), e('a', 2), e('z', 1)]).map((x) => x.id)).toEqual(['c', 'b', 'a', 'z']);
  });
});

describe('modules, consent list and address book', () => {
  const user = (id: string, name: string, over: Partial<User> = {}): User => ({
    id,
    login: id,
    display_name: name,
    role: 'pupil',
    status: 'active',
    import_id: null,
    birth_date: null,
    must_change_password: false,
    created_at: 0,
    ...over,
  });

  it('shows module tiles only for enabled modules with a page, and none when restricted', () => {
    const me = (status: User['status'], modules: Me['modules']) => ({ user: user('me', 'Me', { status }), modules });
    expect(moduleTiles(me('active', ['addressbook', 'messenger', 'video']))).toEqual([
      { module: 'messenger', href: '/chat' },
      { module: 'addressbook', href: '/addressbook' },
    ]);
    expect(moduleTiles(me('active', ['video', 'polls']))).toEqual([]);
    expect(moduleTiles(me('restricted', ['addressbook']))).toEqual([]);
  });

  it('keeps the module order fixed', () => {
    const sw = (module: Me['modules'][number]) => ({ module, enabled: false, changed_at: null });
    expect(orderModules([sw('addressbook'), sw('video'), sw('messenger')]).map((m) => m.module)).toEqual(['messenger', 'video', 'addressbook']);
  });

  it('picks the pupils of a class, sorted, without teachers and deleted accounts', () => {
    const members = [
      { user: user('t', 'Tina Lehrer', { role: 'teacher' }), role: 'leader' as const },
      { user: user('b', 'Ömer Yildiz'), role: 'member' as const },
      { user: user('a', 'Anna Müller'), role: 'member' as const },
      { user: user('d', 'Dora Weg', { status: 'deleted' }), role: 'member' as const },
    ];
    expect(pupilsOf(members).map((u) => u.id)).toEqual(['a', 'b']);
  });

  it('filters the address book by name or group', () => {
    const book = [
      { user_id: '1', display_name: 'Anna Müller', role: 'pupil' as const, groups: ['5a'] },
      { user_id: '2', display_name: 'Tim Günther', role: 'teacher' as const, groups: ['6b', 'Chor'] },
    ];
    expect(filterAddressBook(book, 'MÜL').map((e) => e.user_id)).toEqual(['1']);
    expect(filterAddressBook(book, 'chor').map((e) => e.user_id)).toEqual(['2']);
    expect(filterAddressBook(book, '  ')).toHaveLength(2);
  });
});
