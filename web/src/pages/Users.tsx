// Admin page "Benutzer": filterable user table, create form with one-time initial password, status/reset/delete/export.
import { useEffect, useState } from 'preact/hooks';
import { api, type User, type UserStatus } from '../api';
import { Badge, ErrorBox, Link, Loading, Notice, SecretBox, useLoad } from '../components';
import { formatDate, useI18n } from '../i18n';
import { CreateUser, ROLES } from './CreateUser';

type SettableStatus = Exclude<UserStatus, 'deleted'>;

/**
 * The status buttons offered for a user: active and inactive, other than the current status.
 * "Restricted" follows the consent rule (Einwilligungen), so it is not offered as a switch.
 */
export function statusActions(status: UserStatus): SettableStatus[] {
  return (['active', 'inactive'] as const).filter((s) => s !== status);
}

const STATUS_LABEL = {
  active: 'users.activate',
  restricted: 'users.restrict',
  inactive: 'users.deactivate',
} as const;

interface Secret {
  title: string;
  password: string;
}

export function Users({ selfId }: { selfId: string }) {
  const { t } = useI18n();
  const [role, setRole] = useState('');
  const [search, setSearch] = useState('');
  const [q, setQ] = useState('');
  const [showDeleted, setShowDeleted] = useState(false);
  const [secret, setSecret] = useState<Secret | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);

  // Search as you type, but only ask the server once typing pauses.
  useEffect(() => {
    const id = setTimeout(() => setQ(search.trim()), 250);
    return () => clearTimeout(id);
  }, [search]);

  const users = useLoad(() => api.users({ role, q }), [role, q]);
  const shown = users.data?.filter((u) => showDeleted || u.status !== 'deleted');

  const run = async (action: () => Promise<unknown>) => {
    setActionError(null);
    setNotice(null);
    try {
      await action();
    } catch (err) {
      setActionError(err);
    }
    users.reload();
  };

  return (
    <div class="page" data-testid="users-page">
      <header class="page-head">
        <h1>{t('users.title')}</h1>
      </header>

      <CreateUser
        onSubmit={() => setNotice(null)}
        onCreated={(user, password) => {
          setNotice(t(user.status === 'restricted' ? 'users.createdRestricted' : 'users.created', { name: user.display_name }));
          setSecret({ title: t('users.initialPassword', { login: user.login }), password });
          users.reload();
        }}
      />

      {notice && <Notice>{notice}</Notice>}
      {secret && <SecretBox title={secret.title} secret={secret.password} onClose={() => setSecret(null)} />}
      <ErrorBox error={actionError} />

      <section class="card">
        <div class="toolbar">
          <div class="field">
            <label for="filter-role">{t('users.filterRole')}</label>
            <select id="filter-role" value={role} onChange={(e) => setRole(e.currentTarget.value)}>
              <option value="">{t('users.allRoles')}</option>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {t(`role.${r}`)}
                </option>
              ))}
            </select>
          </div>
          <div class="field grow">
            <label for="filter-q">{t('common.search')}</label>
            <input
              id="filter-q"
              type="search"
              placeholder={t('users.searchPlaceholder')}
              value={search}
              onInput={(e) => setSearch(e.currentTarget.value)}
            />
          </div>
          <label class="check">
            <input type="checkbox" checked={showDeleted} onChange={(e) => setShowDeleted(e.currentTarget.checked)} />
            {t('users.showDeleted')}
          </label>
          {shown && (
            <span class="muted count">
              {shown.length === 1 ? t('users.countOne') : t('users.count', { n: shown.length })}
            </span>
          )}
        </div>
        <ErrorBox error={users.error} />
        {users.loading && !users.data ? (
          <Loading />
        ) : (
          <div class="table-wrap">
            <table class="table table-users" data-testid="user-table">
              <thead>
                <tr>
                  <th scope="col">{t('common.name')}</th>
                  <th scope="col">{t('users.role')}</th>
                  <th scope="col">{t('users.status')}</th>
                  <th scope="col">{t('common.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {(shown ?? []).map((u) => (
                  <UserRow
                    key={u.id}
                    user={u}
                    isSelf={u.id === selfId}
                    onStatus={(s) => run(() => api.setUserStatus(u.id, s))}
                    onReset={() =>
                      run(async () => {
                        const { initial_password } = await api.resetPassword(u.id);
                        setSecret({ title: t('users.newPassword', { login: u.login }), password: initial_password });
                      })
                    }
                    onDelete={() => run(() => api.deleteUser(u.id))}
                  />
                ))}
                {shown && shown.length === 0 && (
                  <tr>
                    <td colSpan={4} class="empty">
                      {t('users.empty')}
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

function UserRow(props: {
  user: User;
  isSelf: boolean;
  onStatus: (s: UserStatus) => void;
  onReset: () => void;
  onDelete: () => void;
}) {
  const { t, lang } = useI18n();
  const [confirming, setConfirming] = useState(false);
  const u = props.user;
  const deleted = u.status === 'deleted';
  const editable = !deleted && !props.isSelf;
  return (
    <tr data-testid={`user-row-${u.login}`} class={deleted ? 'row-muted' : ''}>
      <td>
        <strong>{u.display_name}</strong>
        {props.isSelf && <span class="badge badge-self">{t('users.you')}</span>}
        <div class="muted small">
          <code>{u.login}</code>
          {u.birth_date && ` · ${formatDate(lang, u.birth_date)}`}
        </div>
      </td>
      <td>{t(`role.${u.role}`)}</td>
      <td>
        <Badge kind={`status-${u.status}`}>{t(`status.${u.status}`)}</Badge>
        {u.status === 'restricted' && u.role === 'pupil' && (
          <div class="small">
            <Link href="/admin/consents">{t('users.consentMissing')}</Link>
          </div>
        )}
      </td>
      <td>
        <div class="actions">
          {confirming ? (
            <span class="confirm">
              <span>{t('users.confirmDelete', { name: u.display_name })}</span>
              <button type="button" class="btn btn-danger btn-small" onClick={props.onDelete}>
                {t('users.confirmYes')}
              </button>
              <button type="button" class="btn btn-small" onClick={() => setConfirming(false)}>
                {t('common.cancel')}
              </button>
            </span>
          ) : (
            <>
              {!editable
                ? null
                : statusActions(u.status).map((s) => (
                    <button key={s} type="button" class="btn btn-small" onClick={() => props.onStatus(s)}>
                      {t(STATUS_LABEL[s])}
                    </button>
                  ))}
              {editable && (
                <button type="button" class="btn btn-small" onClick={props.onReset}>
                  {t('users.resetPassword')}
                </button>
              )}
              <a
                class="btn btn-small"
                href={api.userExportUrl(u.id)}
                download={`datenauskunft-${u.login}.json`}
                title={t('users.exportTitle')}
                data-testid="user-export"
              >
                {t('users.export')}
              </a>
              {editable && (
                <button type="button" class="btn btn-small btn-danger-outline" onClick={() => setConfirming(true)}>
                  {t('users.delete')}
                </button>
              )}
            </>
          )}
        </div>
      </td>
    </tr>
  );
}
