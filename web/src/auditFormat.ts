// Pure helpers that put audit log entries into words: action, target and the server's terse summary.
import { MODULES, type AuditEntry } from './api';
import type { MessageKey, Params } from './i18n';
import { IMPORT_KINDS, type PlanSummary } from './importApi';
import { formatSummary } from './importSummary';

type Translate = (key: MessageKey, params?: Params) => string;

/** Actions the client can put into words; others are shown as their code. */
const ACTIONS = [
  'user.created',
  'user.updated',
  'user.status',
  'user.deleted',
  'user.purged',
  'user.password_reset',
  'user.sessions_revoked',
  'user.exported',
  'group.created',
  'group.updated',
  'group.deleted',
  'member.set',
  'member.removed',
  'parent.linked',
  'parent.unlinked',
  'consent.recorded',
  'consent.withdrawn',
  'module.switched',
  'import.applied',
  'import.profile_saved',
] as const;

const STATUSES = ['active', 'restricted', 'inactive', 'deleted'] as const;
const ROLES = ['pupil', 'teacher', 'parent', 'admin'] as const;

const isOneOf = <T extends string>(list: readonly T[], v: string): v is T => (list as readonly string[]).includes(v);

/** The dictionary key that describes an audit action, or null for an unknown action. */
export function auditActionKey(action: string): MessageKey | null {
  return isOneOf(ACTIONS, action) ? (`audit.a.${action}` as MessageKey) : null;
}

const status = (s: string, t: Translate) => (isOneOf(STATUSES, s) ? t(`status.${s}`) : s);

/**
 * The summary in the UI language where its form is known (import counts, consents, status
 * changes, module switches, new accounts); anything else stays as the server wrote it.
 */
export function auditSummary(entry: Pick<AuditEntry, 'action' | 'summary'>, t: Translate): string {
  const s = entry.summary;
  let m: RegExpExecArray | null;
  if ((m = /^import (\w+) (\{.*\})$/.exec(s)) && isOneOf(IMPORT_KINDS, m[1]!)) {
    try {
      return `${t(`import.kind.${m[1]}`)}: ${formatSummary(JSON.parse(m[2]!) as PlanSummary, t)}`;
    } catch {
      return s;
    }
  }
  if ((m = /^given by (parents|pupil)$/.exec(s))) return t('audit.s.givenBy', { who: t(`giver.${m[1] as 'parents' | 'pupil'}`) });
  if ((m = /^consent rule: (\w+) → (\w+)$/.exec(s))) {
    return t('audit.s.consentRule', { from: status(m[1]!, t), to: status(m[2]!, t) });
  }
  if ((m = /^(\w+) → (\w+)$/.exec(s)) && isOneOf(STATUSES, m[1]!) && isOneOf(STATUSES, m[2]!)) {
    return `${status(m[1]!, t)} → ${status(m[2]!, t)}`;
  }
  if ((m = /^(\w+) (on|off)$/.exec(s)) && isOneOf(MODULES, m[1]!)) {
    return `${t(`module.${m[1]}`)}: ${t(m[2] === 'on' ? 'modules.on' : 'modules.off')}`;
  }
  if ((m = /^role (\w+), status (\w+)$/.exec(s)) && isOneOf(ROLES, m[1]!)) {
    return `${t(`role.${m[1]}`)}, ${status(m[2]!, t)}`;
  }
  return s;
}

/** The target as a name: a known user or group, a module, the kind of an import run, else the ID. */
export function auditTarget(target: string | null, names: ReadonlyMap<string, string>, t: Translate): string | null {
  if (!target) return null;
  const name = names.get(target);
  if (name) return name;
  if (isOneOf(MODULES, target)) return t(`module.${target}`);
  const kind = target.split(':')[0] ?? '';
  if (isOneOf(IMPORT_KINDS, kind)) return t(`import.kind.${kind}`);
  return null;
}
