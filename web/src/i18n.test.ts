// Unit tests for the dictionary: fallback, placeholders, completeness, and the remembered language.
import { describe, expect, it } from 'vitest';
import { dictionaries, formatDate, loadLang, saveLang, translate, type MessageKey } from './i18n';

describe('translate', () => {
  it('uses the requested language', () => {
    expect(translate('de', 'nav.dashboard')).toBe('Übersicht');
    expect(translate('en', 'nav.dashboard')).toBe('Overview');
  });

  it('falls back to German, then to the key', () => {
    const en = dictionaries.en;
    const saved = en['nav.users'];
    delete en['nav.users'];
    try {
      expect(translate('en', 'nav.users')).toBe('Benutzer');
    } finally {
      en['nav.users'] = saved;
    }
    expect(translate('en', 'no.such.key' as MessageKey)).toBe('no.such.key');
  });

  it('fills placeholders and leaves unknown ones alone', () => {
    expect(translate('de', 'dash.hello', { name: 'Anna' })).toBe('Hallo, Anna!');
    expect(translate('en', 'dash.memberCount', { n: 3 })).toBe('3 members');
    expect(translate('en', 'dash.hello', {})).toBe('Hello, {name}!');
  });

  it('has an English text for every German key', () => {
    const missing = Object.keys(dictionaries.de).filter((k) => !(k in dictionaries.en));
    expect(missing).toEqual([]);
  });
});

describe('language memory', () => {
  const memory = () => {
    const data = new Map<string, string>();
    return { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v) };
  };

  it('defaults to German and remembers a choice', () => {
    const s = memory();
    expect(loadLang(s)).toBe('de');
    saveLang('en', s);
    expect(loadLang(s)).toBe('en');
  });

  it('ignores invalid stored values and broken storage', () => {
    expect(loadLang({ getItem: () => 'fr' })).toBe('de');
    expect(
      loadLang({
        getItem: () => {
          throw new Error('denied');
        },
      }),
    ).toBe('de');
  });
});

describe('formatDate', () => {
  it('formats ISO dates without time zone shifts', () => {
    expect(formatDate('de', '2014-03-09')).toBe('09.03.2014');
    expect(formatDate('en', '2014-03-09')).toBe('2014-03-09');
    expect(formatDate('de', 'garbage')).toBe('garbage');
  });
});
