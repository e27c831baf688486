// Admin pages "Gruppen": group list with create/delete, and one group's members with add/remove.
import { useMemo, useState } from 'preact/hooks';
import { api, type Group, type GroupKind, type MemberRole, type User } from '../api';
import { Avatar, Badge, ErrorBox, Link, Loading, useLoad } from '../components';
import { useI18n } from '../i18n';
import { navigate } from '../router';
import { sortGroups } from './Dashboard';

export const KINDS: readonly GroupKind[] = ['class', 'course', 'custom'];

export function Groups() {
  const { t } = useI18n();
  const [kind, setKind] = useState('');
  const groups = useLoad(() => api.groups(kind || undefined), [kind]);
  const [actionError, setActionError] = useState<unknown>(null);

  const remove = async (g: Group) => {
    setActionError(null);
    try {
      await api.deleteGroup(g.id);
    } catch (err) {
      setActionError(err);
    }
    groups.reload();
  };

  return (
    <div class="page" data-testid="groups-page">
      <header class="page-head">
        <h1>{t('groups.title')}</h1>
      </header>

      <CreateGroup onCreated={(g) => navigate(`/admin/groups/${encodeURIComponent(g.id)}`)} />

      <section class="card">
        <div class="toolbar">
          <div class="field">
            <label for="filter-kind">{t('groups.kind')}</label>
            <select id="filter-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
              <option value="">{t('groups.allKinds')}</option>
              {KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`kind.${k}`)}
                </option>
              ))}
            </select>
          </div>
        </div>
        <ErrorBox error={groups.error} />
        <ErrorBox error={actionError} />
        {groups.loading && !groups.data ? (
          <Loading />
        ) : (
          <div class="table-wrap">
            <table class="table" data-testid="group-list">
              <thead>
                <tr>
                  <th scope="col">{t('groups.name')}</th>
                  <th scope="col">{t('groups.kind')}</th>
                  <th scope="col">{t('groups.members')}</th>
                  <th scope="col">{t('common.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {sortGroups(groups.data ?? []).map((g) => (
                  <GroupRow key={g.id} group={g} onDelete={() => remove(g)} />
                ))}
                {groups.data && groups.data.length === 0 && (
                  <tr>
                    <td colSpan={4} class="empty">
                      {t('groups.empty')}
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

function GroupRow({ group, onDelete }: { group: Group; onDelete: () => void }) {
  const { t } = useI18n();
  const [confirming, setConfirming] = useState(false);
  const href = `/admin/groups/${encodeURIComponent(group.id)}`;
  return (
    <tr data-testid={`group-row-${group.name}`}>
      <td>
        <Link href={href}>
          <strong>{group.name}</strong>
        </Link>
      </td>
      <td>
        <Badge kind={group.kind}>{t(`kind.${group.kind}`)}</Badge>
      </td>
      <td>{group.member_count}</td>
      <td>
        <div class="actions">
          {confirming ? (
            <span class="confirm">
              <span>{t('groups.confirmDelete', { name: group.name })}</span>
              <button type="button" class="btn btn-danger btn-small" onClick={onDelete}>
                {t('groups.confirmYes')}
              </button>
              <button type="button" class="btn btn-small" onClick={() => setConfirming(false)}>
                {t('common.cancel')}
              </button>
            </span>
          ) : (
            <>
              <Link href={href} class="btn btn-small">
                {t('groups.open')}
              </Link>
              <button type="button" class="btn btn-small btn-danger-outline" onClick={() => setConfirming(true)}>
                {t('groups.delete')}
              </button>
            </>
          )}
        </div>
      </td>
    </tr>
  );
}

function CreateGroup({ onCreated }: { onCreated: (g: Group) => void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [kind, setKind] = useState<GroupKind>('class');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const g = await api.createGroup(name.trim(), kind);
      setName('');
      onCreated(g);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="create-group-title">
      <h2 id="create-group-title">{t('groups.create')}</h2>
      <form onSubmit={submit} data-testid="create-group-form">
        <ErrorBox error={error} />
        <div class="form-grid">
          <div class="field">
            <label for="new-group-name">{t('groups.name')}</label>
            <input
              id="new-group-name"
              autocomplete="off"
              required
              value={name}
              onInput={(e) => setName(e.currentTarget.value)}
            />
          </div>
          <div class="field">
            <label for="new-group-kind">{t('groups.kind')}</label>
            <select id="new-group-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as GroupKind)}>
              {KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`kind.${k}`)}
                </option>
              ))}
            </select>
          </div>
        </div>
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled={busy}>
            {t('groups.submitCreate')}
          </button>
        </div>
      </form>
    </section>
  );
}

/** Users that may still be added: not yet a member, not deleted, matching the filter text. */
export function memberCandidates(users: User[], memberIds: Set<string>, filter: string): User[] {
  const f = filter.trim().toLocaleLowerCase('de');
  return users
    .filter((u) => u.status !== 'deleted' && !memberIds.has(u.id))
    .filter((u) => !f || u.display_name.toLocaleLowerCase('de').includes(f) || u.login.toLocaleLowerCase('de').includes(f))
    .sort((a, b) => a.display_name.localeCompare(b.display_name, 'de'));
}

export function GroupDetail({ id }: { id: string }) {
  const { t } = useI18n();
  const group = useLoad(() => api.group(id), [id]);
  const members = useLoad(() => api.members(id), [id]);
  const users = useLoad(() => api.users(), []);
  const [actionError, setActionError] = useState<unknown>(null);

  const run = async (action: () => Promise<unknown>) => {
    setActionError(null);
    try {
      await action();
    } catch (err) {
      setActionError(err);
    }
    members.reload();
    group.reload();
  };

  const memberIds = useMemo(() => new Set((members.data ?? []).map((m) => m.user.id)), [members.data]);
  const sortedMembers = useMemo(
    () =>
      [...(members.data ?? [])].sort(
        (a, b) =>
          (a.role === 'leader' ? 0 : 1) - (b.role === 'leader' ? 0 : 1) ||
          a.user.display_name.localeCompare(b.user.display_name, 'de'),
      ),
    [members.data],
  );

  return (
    <div class="page" data-testid="group-detail">
      <p>
        <Link href="/admin/groups" class="back-link">
          {t('groups.back')}
        </Link>
      </p>
      <ErrorBox error={group.error} />
      {group.data && (
        <header class="page-head">
          <h1>
            {group.data.name} <Badge kind={group.data.kind}>{t(`kind.${group.data.kind}`)}</Badge>
          </h1>
        </header>
      )}

      <AddMember
        candidates={users.data ?? []}
        memberIds={memberIds}
        onAdd={(userId, role) => run(() => api.putMember(id, userId, role))}
      />
      <ErrorBox error={actionError} />

      <section class="card" aria-labelledby="members-title">
        <h2 id="members-title">
          {t('groups.members')} {members.data && <span class="muted">({members.data.length})</span>}
        </h2>
        <ErrorBox error={members.error} />
        {members.loading && !members.data ? (
          <Loading />
        ) : sortedMembers.length === 0 ? (
          <p class="empty" data-testid="member-list">
            {t('groups.noMembers')}
          </p>
        ) : (
          <ul class="member-list" data-testid="member-list">
            {sortedMembers.map((m) => (
              <li key={m.user.id} data-testid={`member-${m.user.login}`}>
                <Avatar name={m.user.display_name} />
                <span class="member-name">
                  <strong>{m.user.display_name}</strong>
                  <span class="muted small">
                    {m.user.login} · {t(`role.${m.user.role}`)}
                  </span>
                </span>
                <Badge kind={m.role}>{t(`mrole.${m.role}`)}</Badge>
                <button
                  type="button"
                  class="btn btn-small btn-danger-outline"
                  onClick={() => run(() => api.removeMember(id, m.user.id))}
                >
                  {t('groups.remove')}
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

function AddMember(props: {
  candidates: User[];
  memberIds: Set<string>;
  onAdd: (userId: string, role: MemberRole) => Promise<void>;
}) {
  const { t } = useI18n();
  const [filter, setFilter] = useState('');
  const [userId, setUserId] = useState('');
  const [role, setRole] = useState<MemberRole>('member');
  const [busy, setBusy] = useState(false);
  const options = memberCandidates(props.candidates, props.memberIds, filter);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!userId) return;
    setBusy(true);
    await props.onAdd(userId, role);
    setUserId('');
    setBusy(false);
  };

  return (
    <section class="card" aria-labelledby="add-member-title">
      <h2 id="add-member-title">{t('groups.addMember')}</h2>
      <form onSubmit={submit} data-testid="add-member-form">
        <div class="form-grid">
          <div class="field">
            <label for="member-filter">{t('groups.filterUsers')}</label>
            <input
              id="member-filter"
              type="search"
              value={filter}
              onInput={(e) => setFilter(e.currentTarget.value)}
            />
          </div>
          <div class="field">
            <label for="member-user">{t('groups.user')}</label>
            <select id="member-user" required value={userId} onChange={(e) => setUserId(e.currentTarget.value)}>
              <option value="">{options.length ? t('groups.pickUser') : t('groups.noCandidates')}</option>
              {options.map((u) => (
                <option key={u.id} value={u.id}>
                  {`${u.display_name} (${u.login}) – ${t(`role.${u.role}`)}`}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="member-role">{t('groups.memberRole')}</label>
            <select id="member-role" value={role} onChange={(e) => setRole(e.currentTarget.value as MemberRole)}>
              <option value="member">{t('mrole.member')}</option>
              <option value="leader">{t('mrole.leader')}</option>
            </select>
          </div>
        </div>
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled={busy || !userId}>
            {t('groups.add')}
          </button>
        </div>
      </form>
    </section>
  );
}
