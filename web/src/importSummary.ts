// Pure helpers for showing an import plan: summary counts in words, "no changes", mapping and reason labels.
import type { Lang, MessageKey, Params } from './i18n';
import type { ColumnMapping, Deactivation, PlanSummary } from './importApi';
import { MAPPING_FIELDS } from './importApi';

type Translate = (key: MessageKey, params?: Params) => string;

/** Summary fields in display order, with their singular and plural texts. */
const SUMMARY_TEXTS: readonly [keyof PlanSummary, MessageKey, MessageKey][] = [
  ['creates', 'import.sum.createsOne', 'import.sum.creates'],
  ['updates', 'import.sum.updatesOne', 'import.sum.updates'],
  ['moves', 'import.sum.movesOne', 'import.sum.moves'],
  ['class_creates', 'import.sum.classCreatesOne', 'import.sum.classCreates'],
  ['class_renames', 'import.sum.classRenamesOne', 'import.sum.classRenames'],
  ['deactivations', 'import.sum.deactivationsOne', 'import.sum.deactivations'],
  ['reactivations', 'import.sum.reactivationsOne', 'import.sum.reactivations'],
  ['parent_links', 'import.sum.parentLinksOne', 'import.sum.parentLinks'],
  ['parent_unlinks', 'import.sum.parentUnlinksOne', 'import.sum.parentUnlinks'],
  ['skipped_leavers', 'import.sum.skippedLeaversOne', 'import.sum.skippedLeavers'],
  ['rejected', 'import.sum.rejectedOne', 'import.sum.rejected'],
];

/** Counts that change the directory (skipped and rejected lines do not). */
const CHANGING: readonly (keyof PlanSummary)[] = [
  'creates',
  'updates',
  'moves',
  'class_creates',
  'class_renames',
  'deactivations',
  'reactivations',
  'parent_links',
  'parent_unlinks',
];

export function planHasChanges(summary: PlanSummary): boolean {
  return CHANGING.some((k) => (summary[k] ?? 0) > 0);
}

export interface SummaryItem {
  field: keyof PlanSummary;
  count: number;
  text: string;
  /** Whether the item is a change (rather than a skipped or rejected line). */
  change: boolean;
}

/** The non-zero counts of a summary, each as words ("25 neue Konten", "1 abgelehnte Zeile"). */
export function summaryItems(summary: PlanSummary, t: Translate): SummaryItem[] {
  return SUMMARY_TEXTS.filter(([field]) => (summary[field] ?? 0) > 0).map(([field, one, many]) => {
    const count = summary[field];
    return { field, count, text: count === 1 ? t(one) : t(many, { n: count }), change: CHANGING.includes(field) };
  });
}

/** The whole summary in one line, e.g. "25 neue Konten · 2 neue Klassen", or "Keine Änderungen". */
export function formatSummary(summary: PlanSummary, t: Translate): string {
  const items = summaryItems(summary, t);
  const changes = planHasChanges(summary) ? '' : `${t('import.noChanges')}`;
  return [changes, ...items.map((i) => i.text)].filter(Boolean).join(' · ');
}

/** The mapping as rows of [field, header], leaving out fields without a column. */
export function mappingRows(mapping: ColumnMapping): [keyof ColumnMapping, string][] {
  return MAPPING_FIELDS.filter((f) => mapping[f]).map((f) => [f, mapping[f] as string]);
}

/** A readable separator: ";" → "Semikolon (;)". */
export function separatorLabel(sep: string, t: Translate): string {
  const key: MessageKey | null =
    sep === ';' ? 'import.sep.semicolon'
    : sep === ',' ? 'import.sep.comma'
    : sep === '\t' ? 'import.sep.tab'
    : sep === '|' ? 'import.sep.pipe'
    : null;
  return key ? `${t(key)} (${sep === '\t' ? '⇥' : sep})` : sep;
}

/** Why an account is deactivated, in words. */
export function deactivationReason(reason: Deactivation['reason'], t: Translate): string {
  return reason.kind === 'left'
    ? t('import.reason.left', { status: reason.schild_status })
    : t('import.reason.missing');
}

/** The message of a rejected line in the UI language. */
export function rejectedMessage(line: { message: string; message_de: string }, lang: Lang): string {
  return lang === 'de' ? line.message_de || line.message : line.message;
}
