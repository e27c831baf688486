// UI strings in German (default) and English, the lookup with fallback, and the remembered language choice.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

export type Lang = 'de' | 'en';
export const LANGS: readonly Lang[] = ['de', 'en'];
const STORAGE_KEY = 'schulhof.lang';

const de = {
  'app.name': 'Schulhof',
  'app.loading': 'Wird geladen …',
  'app.retry': 'Erneut versuchen',
  'app.startFailed': 'Die Anwendung konnte nicht gestartet werden.',

  'nav.main': 'Hauptnavigation',
  'nav.skip': 'Zum Inhalt springen',
  'nav.dashboard': 'Übersicht',
  'nav.users': 'Benutzer',
  'nav.groups': 'Gruppen',
  'nav.sessions': 'Meine Sitzungen',
  'nav.password': 'Passwort ändern',
  'nav.logout': 'Abmelden',
  'nav.language': 'Sprache',

  'login.title': 'Anmelden',
  'login.intro': 'Mit den Zugangsdaten der Schule anmelden.',
  'login.login': 'Anmeldename',
  'login.password': 'Passwort',
  'login.school': 'Schule (Kürzel)',
  'login.schoolHint': 'Diesen Anmeldenamen gibt es an mehreren Schulen. Bitte das Kürzel der eigenen Schule angeben.',
  'login.submit': 'Anmelden',
  'login.busy': 'Anmeldung läuft …',

  'pw.title': 'Neues Passwort festlegen',
  'pw.forcedIntro': 'Bevor es weitergeht, bitte ein eigenes Passwort festlegen. Das bisherige Passwort gilt danach nicht mehr.',
  'pw.intro': 'Hier kann das Passwort des eigenen Kontos geändert werden.',
  'pw.current': 'Aktuelles Passwort',
  'pw.new': 'Neues Passwort',
  'pw.repeat': 'Neues Passwort wiederholen',
  'pw.rules': 'Mindestens 8 Zeichen.',
  'pw.submit': 'Passwort speichern',
  'pw.tooShort': 'Das neue Passwort muss mindestens 8 Zeichen lang sein.',
  'pw.mismatch': 'Die beiden neuen Passwörter stimmen nicht überein.',
  'pw.saved': 'Das Passwort wurde geändert.',

  'dash.hello': 'Hallo, {name}!',
  'dash.subtitle': '{school} · {role}',
  'dash.account': 'Mein Konto',
  'dash.loginName': 'Anmeldename',
  'dash.role': 'Rolle',
  'dash.myGroups': 'Meine Klassen und Gruppen',
  'dash.noGroups': 'Noch keine Klassen oder Gruppen.',
  'dash.restrictedTitle': 'Konto eingeschränkt',
  'dash.restrictedText': 'Dieses Konto ist vorläufig eingeschränkt, zum Beispiel weil eine nötige Einwilligung noch fehlt. Klassen, Gruppen und Module sind gesperrt, bis die Schule es freigibt. Bitte an das Sekretariat oder die Klassenleitung wenden.',
  'dash.children': 'Meine Kinder',
  'dash.noChildren': 'Es sind keine Kinder mit diesem Konto verknüpft.',
  'dash.admin': 'Verwaltung',
  'dash.adminUsers': 'Benutzer anlegen und verwalten',
  'dash.adminGroups': 'Klassen, Kurse und Gruppen verwalten',
  'dash.memberCount': '{n} Mitglieder',
  'dash.memberCountOne': '1 Mitglied',

  'role.pupil': 'Schüler/in',
  'role.teacher': 'Lehrkraft',
  'role.parent': 'Elternteil',
  'role.admin': 'Administrator/in',
  'kind.class': 'Klasse',
  'kind.course': 'Kurs',
  'kind.custom': 'Gruppe',
  'mrole.member': 'Mitglied',
  'mrole.leader': 'Leitung',
  'status.active': 'Aktiv',
  'status.restricted': 'Eingeschränkt',
  'status.inactive': 'Inaktiv',
  'status.deleted': 'Gelöscht',

  'error.retryAfter': 'Bitte in {seconds} Sekunden erneut versuchen.',

  'common.cancel': 'Abbrechen',
  'common.close': 'Verstanden',
  'common.copy': 'Kopieren',
  'common.copied': 'Kopiert',
  'common.actions': 'Aktionen',
  'common.name': 'Name',
  'common.search': 'Suche',
  'common.forbidden': 'Für diese Seite fehlt die Berechtigung.',
  'common.notFound': 'Diese Seite gibt es nicht.',
  'common.toDashboard': 'Zur Übersicht',

  'users.title': 'Benutzer',
  'users.create': 'Benutzer anlegen',
  'users.login': 'Anmeldename',
  'users.displayName': 'Anzeigename',
  'users.role': 'Rolle',
  'users.birthDate': 'Geburtsdatum (optional)',
  'users.submitCreate': 'Anlegen',
  'users.created': '„{name}“ wurde angelegt.',
  'users.filterRole': 'Rolle',
  'users.allRoles': 'Alle Rollen',
  'users.searchPlaceholder': 'Name oder Anmeldename',
  'users.status': 'Status',
  'users.empty': 'Keine Benutzer gefunden.',
  'users.showDeleted': 'Gelöschte anzeigen',
  'users.count': '{n} Benutzer',
  'users.countOne': '1 Benutzer',
  'users.activate': 'Aktivieren',
  'users.restrict': 'Einschränken',
  'users.deactivate': 'Deaktivieren',
  'users.resetPassword': 'Passwort zurücksetzen',
  'users.delete': 'Löschen',
  'users.confirmDelete': '„{name}“ wirklich löschen?',
  'users.confirmYes': 'Ja, löschen',
  'users.initialPassword': 'Erstpasswort für {login}',
  'users.newPassword': 'Neues Passwort für {login}',
  'users.passwordHint': 'Dieses Passwort wird nur jetzt angezeigt. Bitte notieren und weitergeben – bei der ersten Anmeldung muss es geändert werden.',
  'users.you': 'Eigenes Konto',

  'groups.title': 'Gruppen',
  'groups.create': 'Gruppe anlegen',
  'groups.name': 'Name',
  'groups.kind': 'Art',
  'groups.allKinds': 'Alle Arten',
  'groups.members': 'Mitglieder',
  'groups.submitCreate': 'Anlegen',
  'groups.open': 'Öffnen',
  'groups.delete': 'Löschen',
  'groups.confirmDelete': '„{name}“ wirklich löschen?',
  'groups.confirmYes': 'Ja, löschen',
  'groups.empty': 'Noch keine Gruppen.',
  'groups.back': '← Alle Gruppen',
  'groups.addMember': 'Mitglied hinzufügen',
  'groups.filterUsers': 'Benutzer suchen',
  'groups.user': 'Benutzer',
  'groups.pickUser': 'Bitte auswählen …',
  'groups.memberRole': 'Rolle in der Gruppe',
  'groups.add': 'Hinzufügen',
  'groups.remove': 'Entfernen',
  'groups.noMembers': 'Noch keine Mitglieder.',
  'groups.noCandidates': 'Alle passenden Benutzer sind bereits Mitglied.',

  'sessions.title': 'Meine Sitzungen',
  'sessions.intro': 'Geräte und Browser, auf denen dieses Konto gerade angemeldet ist. Unbekannte Sitzungen bitte beenden.',
  'sessions.device': 'Gerät',
  'sessions.created': 'Angemeldet am',
  'sessions.lastSeen': 'Zuletzt aktiv',
  'sessions.expires': 'Gültig bis',
  'sessions.current': 'Diese Sitzung',
  'sessions.revoke': 'Beenden',
  'sessions.unknownDevice': 'Unbekanntes Gerät',
  'sessions.empty': 'Keine Sitzungen.',
};

export type MessageKey = keyof typeof de;

const en: Partial<Record<MessageKey, string>> = {
  'app.name': 'Schulhof',
  'app.loading': 'Loading …',
  'app.retry': 'Try again',
  'app.startFailed': 'The application could not be started.',

  'nav.main': 'Main navigation',
  'nav.skip': 'Skip to content',
  'nav.dashboard': 'Overview',
  'nav.users': 'Users',
  'nav.groups': 'Groups',
  'nav.sessions': 'My sessions',
  'nav.password': 'Change password',
  'nav.logout': 'Log out',
  'nav.language': 'Language',

  'login.title': 'Sign in',
  'login.intro': 'Sign in with the account your school gave you.',
  'login.login': 'Login name',
  'login.password': 'Password',
  'login.school': 'School (short name)',
  'login.schoolHint': 'This login name exists at several schools. Please enter the short name of your school.',
  'login.submit': 'Sign in',
  'login.busy': 'Signing in …',

  'pw.title': 'Set a new password',
  'pw.forcedIntro': 'Before you continue, please choose your own password. The old password stops working afterwards.',
  'pw.intro': 'Change the password of your account here.',
  'pw.current': 'Current password',
  'pw.new': 'New password',
  'pw.repeat': 'Repeat new password',
  'pw.rules': 'At least 8 characters.',
  'pw.submit': 'Save password',
  'pw.tooShort': 'The new password must be at least 8 characters long.',
  'pw.mismatch': 'The two new passwords do not match.',
  'pw.saved': 'Your password has been changed.',

  'dash.hello': 'Hello, {name}!',
  'dash.subtitle': '{school} · {role}',
  'dash.account': 'My account',
  'dash.loginName': 'Login name',
  'dash.role': 'Role',
  'dash.myGroups': 'My classes and groups',
  'dash.noGroups': 'No classes or groups yet.',
  'dash.restrictedTitle': 'Account restricted',
  'dash.restrictedText': 'This account is restricted for now, for example because a required consent is still missing. Classes, groups and modules stay locked until the school releases it. Please contact the school office or your class teacher.',
  'dash.children': 'My children',
  'dash.noChildren': 'No children are linked to this account.',
  'dash.admin': 'Administration',
  'dash.adminUsers': 'Create and manage users',
  'dash.adminGroups': 'Manage classes, courses and groups',
  'dash.memberCount': '{n} members',
  'dash.memberCountOne': '1 member',

  'role.pupil': 'Pupil',
  'role.teacher': 'Teacher',
  'role.parent': 'Parent',
  'role.admin': 'Administrator',
  'kind.class': 'Class',
  'kind.course': 'Course',
  'kind.custom': 'Group',
  'mrole.member': 'Member',
  'mrole.leader': 'Leader',
  'status.active': 'Active',
  'status.restricted': 'Restricted',
  'status.inactive': 'Inactive',
  'status.deleted': 'Deleted',

  'error.retryAfter': 'Please try again in {seconds} seconds.',

  'common.cancel': 'Cancel',
  'common.close': 'Got it',
  'common.copy': 'Copy',
  'common.copied': 'Copied',
  'common.actions': 'Actions',
  'common.name': 'Name',
  'common.search': 'Search',
  'common.forbidden': 'You are not allowed to see this page.',
  'common.notFound': 'This page does not exist.',
  'common.toDashboard': 'Go to overview',

  'users.title': 'Users',
  'users.create': 'Create user',
  'users.login': 'Login name',
  'users.displayName': 'Display name',
  'users.role': 'Role',
  'users.birthDate': 'Date of birth (optional)',
  'users.submitCreate': 'Create',
  'users.created': '“{name}” has been created.',
  'users.filterRole': 'Role',
  'users.allRoles': 'All roles',
  'users.searchPlaceholder': 'Name or login name',
  'users.status': 'Status',
  'users.empty': 'No users found.',
  'users.showDeleted': 'Show deleted',
  'users.count': '{n} users',
  'users.countOne': '1 user',
  'users.activate': 'Activate',
  'users.restrict': 'Restrict',
  'users.deactivate': 'Deactivate',
  'users.resetPassword': 'Reset password',
  'users.delete': 'Delete',
  'users.confirmDelete': 'Really delete “{name}”?',
  'users.confirmYes': 'Yes, delete',
  'users.initialPassword': 'Initial password for {login}',
  'users.newPassword': 'New password for {login}',
  'users.passwordHint': 'This password is shown only now. Write it down and hand it out – it must be changed at the first sign-in.',
  'users.you': 'Your account',

  'groups.title': 'Groups',
  'groups.create': 'Create group',
  'groups.name': 'Name',
  'groups.kind': 'Type',
  'groups.allKinds': 'All types',
  'groups.members': 'Members',
  'groups.submitCreate': 'Create',
  'groups.open': 'Open',
  'groups.delete': 'Delete',
  'groups.confirmDelete': 'Really delete “{name}”?',
  'groups.confirmYes': 'Yes, delete',
  'groups.empty': 'No groups yet.',
  'groups.back': '← All groups',
  'groups.addMember': 'Add member',
  'groups.filterUsers': 'Search users',
  'groups.user': 'User',
  'groups.pickUser': 'Please choose …',
  'groups.memberRole': 'Role in the group',
  'groups.add': 'Add',
  'groups.remove': 'Remove',
  'groups.noMembers': 'No members yet.',
  'groups.noCandidates': 'All matching users are already members.',

  'sessions.title': 'My sessions',
  'sessions.intro': 'Devices and browsers where this account is signed in right now. Please end any session you do not recognise.',
  'sessions.device': 'Device',
  'sessions.created': 'Signed in',
  'sessions.lastSeen': 'Last active',
  'sessions.expires': 'Valid until',
  'sessions.current': 'This session',
  'sessions.revoke': 'End',
  'sessions.unknownDevice': 'Unknown device',
  'sessions.empty': 'No sessions.',
};

export const dictionaries: Record<Lang, Partial<Record<MessageKey, string>>> = { de, en };

export type Params = Record<string, string | number>;

/**
 * Looks a key up in the given language, falling back to German and then to the key itself,
 * and fills `{name}` placeholders from params (unknown placeholders stay as they are).
 */
export function translate(lang: Lang, key: MessageKey, params?: Params): string {
  const text = dictionaries[lang]?.[key] ?? dictionaries.de[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole,
  );
}

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (LANGS as readonly string[]).includes(value);
}

/** The remembered language, or German when nothing (valid) was stored. */
export function loadLang(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): Lang {
  try {
    const stored = storage?.getItem(STORAGE_KEY);
    return isLang(stored) ? stored : 'de';
  } catch {
    return 'de';
  }
}

export function saveLang(lang: Lang, storage: Pick<Storage, 'setItem'> | undefined = globalThis.localStorage): void {
  try {
    storage?.setItem(STORAGE_KEY, lang);
  } catch {
    // Private mode or storage disabled: the choice just is not remembered.
  }
}

/** Formats a millisecond timestamp as date and time in the UI language. */
export function formatDateTime(lang: Lang, ms: number): string {
  return new Intl.DateTimeFormat(lang === 'de' ? 'de-DE' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
  }).format(new Date(ms));
}

/** Formats a `YYYY-MM-DD` date in the UI language without shifting it through time zones. */
export function formatDate(lang: Lang, isoDate: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (!m) return isoDate;
  return lang === 'de' ? `${m[3]}.${m[2]}.${m[1]}` : `${m[1]}-${m[2]}-${m[3]}`;
}

export interface I18n {
  lang: Lang;
  t: (key: MessageKey, params?: Params) => string;
  setLang: (lang: Lang) => void;
}

export const I18nContext = createContext<I18n>({
  lang: 'de',
  t: (key, params) => translate('de', key, params),
  setLang: () => {},
});

export function useI18n(): I18n {
  return useContext(I18nContext);
}
