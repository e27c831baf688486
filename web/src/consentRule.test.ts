// Unit tests for the consent age rule as the client explains it (which consent is needed at which age).
import { describe, expect, it } from 'vitest';
import { ageOn, consentHintKey, consentSatisfied, missingGivers, requiredGivers } from './consentRule';
import { translate } from './i18n';

const today = new Date(2026, 10, 28); // 28 Nov 2026, local time

describe('ageOn', () => {
  it('counts full years and respects the birthday', () => {
    expect(ageOn('2014-03-01', today)).toBe(12);
    expect(ageOn('2012-11-28', today)).toBe(14);
    expect(ageOn('2012-11-29', today)).toBe(13);
    expect(ageOn('2010-12-31', today)).toBe(15);
  });

  it('gives null for missing, unreadable or future dates', () => {
    expect(ageOn(null, today)).toBeNull();
    expect(ageOn('', today)).toBeNull();
    expect(ageOn('01.03.2014', today)).toBeNull();
    expect(ageOn('2014-13-01', today)).toBeNull();
    expect(ageOn('2030-01-01', today)).toBeNull();
  });
});

describe('requiredGivers and the hint text', () => {
  it('asks the parents under 14, both at 14 and 15, the pupil from 16', () => {
    expect(requiredGivers('2013-01-01', today)).toEqual(['parents']); // 13
    expect(requiredGivers('2012-11-28', today)).toEqual(['parents', 'pupil']); // 14 today
    expect(requiredGivers('2010-11-29', today)).toEqual(['parents', 'pupil']); // 15
    expect(requiredGivers('2010-11-28', today)).toEqual(['pupil']); // 16 today
    expect(requiredGivers(undefined, today)).toEqual(['parents']);
  });

  it('explains the rule for the age in both languages', () => {
    const text = (birth: string | null, lang: 'de' | 'en' = 'de') =>
      translate(lang, consentHintKey(birth, today), { age: ageOn(birth, today) ?? '' });
    expect(text('2014-03-01')).toBe('Mit 12 Jahren nötig: Eltern.');
    expect(text('2011-06-01')).toBe('Mit 15 Jahren nötig: Eltern und Schüler/in.');
    expect(text('2009-06-01')).toBe('Mit 17 Jahren nötig: Schüler/in selbst.');
    expect(text(null)).toBe('Ohne Geburtsdatum gilt: Die Eltern müssen einwilligen.');
    expect(text('2011-06-01', 'en')).toBe('Required at 15: parents and pupil.');
  });

  it('tells whether the ticked consents suffice and what is missing', () => {
    expect(consentSatisfied(['parents'], ['parents'])).toBe(true);
    expect(consentSatisfied(['parents', 'pupil'], ['parents'])).toBe(false);
    expect(consentSatisfied(['pupil'], ['parents', 'pupil'])).toBe(true);
    expect(missingGivers(['parents', 'pupil'], ['pupil'])).toEqual(['parents']);
  });
});
