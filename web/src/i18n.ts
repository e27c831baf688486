// Language handling: the German/English dictionaries (texts in messages/), lookup with fallback, remembered choice.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { adminDe, adminEn } from './messages/admin';
import { chatDe, chatEn } from './messages/chat';
import { coreDe, coreEn } from './messages/core';
import { documentsDe, documentsEn } from './documents/messages';
import { importDe, importEn } from './messages/import';
import { videoDe, videoEn } from './video/messages';

export type Lang = 'de' | 'en';
export const LANGS: readonly Lang[] = ['de', 'en'];
const STORAGE_KEY = 'schulhof.lang';

const de = { ...coreDe, ...adminDe, ...importDe, ...chatDe, ...documentsDe, ...videoDe };
export type MessageKey = keyof typeof de;
const en: Partial<Record<MessageKey, string>> = { ...coreEn, ...adminEn, ...importEn, ...chatEn, ...documentsEn, ...videoEn };

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
