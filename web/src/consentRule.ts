// The consent age rule as the client explains it: under 14 the parents, 14–15 both, from 16 the pupil alone.
import type { ConsentGiver } from './api';
import type { MessageKey } from './i18n';

export const GIVERS: readonly ConsentGiver[] = ['parents', 'pupil'];

/** Full years between a `YYYY-MM-DD` birth date and `today` (local date), or null if unreadable. */
export function ageOn(birthDate: string | null | undefined, today: Date): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthDate ?? '');
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return null;
  let age = today.getFullYear() - y;
  const month = today.getMonth() + 1;
  if (month < mo || (month === mo && today.getDate() < d)) age -= 1;
  return age < 0 ? null : age;
}

/** Who must consent at this age; an unknown birth date counts as "under 14", as on the server. */
export function requiredGivers(birthDate: string | null | undefined, today: Date): ConsentGiver[] {
  const age = ageOn(birthDate, today);
  if (age !== null && age >= 16) return ['pupil'];
  if (age !== null && age >= 14) return ['parents', 'pupil'];
  return ['parents'];
}

/** The one-line explanation for a pupil of this birth date (or the general rule without one). */
export function consentHintKey(birthDate: string | null | undefined, today: Date): MessageKey {
  const age = ageOn(birthDate, today);
  if (age === null) return 'consent.hintUnknown';
  if (age >= 16) return 'consent.hintPupil';
  if (age >= 14) return 'consent.hintBoth';
  return 'consent.hintParents';
}

/** Whether the ticked consents cover what is required (the account then starts active). */
export function consentSatisfied(required: readonly ConsentGiver[], present: readonly ConsentGiver[]): boolean {
  return required.every((g) => present.includes(g));
}

/** The required consents that are still missing. */
export function missingGivers(required: readonly ConsentGiver[], present: readonly ConsentGiver[]): ConsentGiver[] {
  return required.filter((g) => !present.includes(g));
}
