// Dashboard ("Übersicht"): greeting, my classes and groups, running video lessons, enabled module tiles, a
// parent's children, admin shortcuts.
import { api, type Me, type Module, type MyGroup, type User } from '../api';
import { Badge, ErrorBox, Link, Loading, useLoad } from '../components';
import { formatDate, useI18n } from '../i18n';
import { RunningLessons } from '../video/RunningLessons';

const KIND_ORDER = { class: 0, course: 1, custom: 2 } as const;

/** The modules that have a page in this client, and where it is (documents, texts and boards share one). */
export const MODULE_PAGES: Partial<Record<Module, string>> = {
  messenger: '/chat',
  documents: '/documents',
  texts: '/documents',
  boards: '/documents',
  addressbook: '/addressbook',
};

/**
 * The enabled modules that have a page, in the order of MODULE_PAGES, one per page (the first enabled
 * module of a shared page names it); none for restricted accounts.
 */
export function moduleTiles(me: Pick<Me, 'modules' | 'user'>): { module: Module; href: string }[] {
  if (me.user.status !== 'active') return [];
  const enabled = new Set(me.modules ?? []);
  const seen = new Set<string>();
  return (Object.entries(MODULE_PAGES) as [Module, string][])
    .filter(([m, href]) => enabled.has(m) && !seen.has(href) && seen.add(href))
    .map(([module, href]) => ({ module, href }));
}

const ADMIN_SHORTCUTS = [
  ['/admin/users', 'nav.users', 'dash.adminUsers'],
  ['/admin/groups', 'nav.groups', 'dash.adminGroups'],
  ['/admin/consents', 'nav.consents', 'dash.adminConsents'],
  ['/admin/import', 'nav.import', 'dash.adminImport'],
  ['/admin/modules', 'nav.modules', 'dash.adminModules'],
  ['/admin/audit', 'nav.audit', 'dash.adminAudit'],
] as const;

/** Classes first, then courses, then other groups; alphabetical (German collation) within each. */
export function sortGroups<G extends Pick<MyGroup, 'kind' | 'name'>>(groups: G[]): G[] {
  return [...groups].sort(
    (a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.name.localeCompare(b.name, 'de', { numeric: true }),
  );
}

export function Dashboard({ me }: { me: Me }) {
  const { t } = useI18n();
  const isParent = me.user.role === 'parent';
  const isAdmin = me.user.role === 'admin';
  const tiles = moduleTiles(me);
  const videoOn = me.user.status === 'active' && (me.modules ?? []).includes('video');

  return (
    <div class="page" data-testid="dashboard">
      <header class="page-head hero">
        <h1>{t('dash.hello', { name: me.user.display_name })}</h1>
        <p class="muted">{t('dash.subtitle', { school: me.school.name, role: t(`role.${me.user.role}`) })}</p>
      </header>

      <div class="dash-grid">
        {me.user.status === 'restricted' ? (
          <section class="card card-notice" role="status" data-testid="restricted-notice">
            <h2>{t('dash.restrictedTitle')}</h2>
            <p>{t('dash.restrictedText')}</p>
            <p>{t('dash.restrictedContact')}</p>
          </section>
        ) : (
          <MyGroups />
        )}

        <section class="card" aria-labelledby="account-title">
          <h2 id="account-title">{t('dash.account')}</h2>
          <dl class="facts">
            <dt>{t('dash.loginName')}</dt>
            <dd>
              <code>{me.user.login}</code>
            </dd>
            <dt>{t('dash.role')}</dt>
            <dd>{t(`role.${me.user.role}`)}</dd>
          </dl>
          <div class="link-list">
            <Link href="/sessions">{t('nav.sessions')}</Link>
            <Link href="/password">{t('nav.password')}</Link>
          </div>
        </section>
      </div>

      {videoOn && <RunningLessons />}

      {tiles.length > 0 && (
        <section class="card" aria-labelledby="modules-title">
          <h2 id="modules-title">{t('dash.modules')}</h2>
          <div class="shortcut-list" data-testid="module-tiles">
            {tiles.map(({ module, href }) => (
              <Link key={module} href={href} class="shortcut shortcut-module" data-testid={`module-tile-${module}`}>
                <strong>{t(href === '/documents' ? 'nav.documents' : `module.${module}`)}</strong>
                <span class="muted">{t(`moduleDesc.${module}`)}</span>
              </Link>
            ))}
          </div>
        </section>
      )}

      {isParent && me.user.status !== 'restricted' && <Children />}

      {isAdmin && (
        <section class="card" aria-labelledby="admin-title">
          <h2 id="admin-title">{t('dash.admin')}</h2>
          <div class="shortcut-list">
            {ADMIN_SHORTCUTS.map(([href, title, text]) => (
              <Link key={href} href={href} class="shortcut">
                <strong>{t(title)}</strong>
                <span class="muted">{t(text)}</span>
              </Link>
            ))}
          </div>
        </section>
      )}
    </div>
  );
}

/** "Meine Klassen und Gruppen": the classes, courses and groups the user belongs to. */
function MyGroups() {
  const { t } = useI18n();
  const groups = useLoad(() => api.myGroups(), []);
  return (
    <section class="card" aria-labelledby="my-groups-title">
      <h2 id="my-groups-title">{t('dash.myGroups')}</h2>
      <ErrorBox error={groups.error} />
      {groups.loading && !groups.data ? (
        <Loading />
      ) : groups.data && groups.data.length > 0 ? (
        <ul class="tile-list" data-testid="my-groups">
          {sortGroups(groups.data).map((g) => (
            <li key={g.id} class={`tile tile-${g.kind}`} data-testid="my-group">
              <Link href={`/groups/${encodeURIComponent(g.id)}`} class="tile-title" data-testid="my-group-link">
                {g.name}
              </Link>
              <span class="tile-meta">
                <Badge kind={g.kind}>{t(`kind.${g.kind}`)}</Badge>
                <Badge kind={g.my_role}>{t(`mrole.${g.my_role}`)}</Badge>
                <span class="muted">
                  {g.member_count === 1 ? t('dash.memberCountOne') : t('dash.memberCount', { n: g.member_count })}
                </span>
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <p class="empty" data-testid="my-groups">
          {t('dash.noGroups')}
        </p>
      )}
    </section>
  );
}

function Children() {
  const { t, lang } = useI18n();
  const children = useLoad<User[]>(() => api.myChildren(), []);
  return (
    <section class="card" aria-labelledby="children-title">
      <h2 id="children-title">{t('dash.children')}</h2>
      <ErrorBox error={children.error} />
      {children.loading && !children.data ? (
        <Loading />
      ) : children.data && children.data.length > 0 ? (
        <ul class="tile-list" data-testid="my-children">
          {children.data.map((c) => (
            <li key={c.id} class="tile">
              <span class="tile-title">{c.display_name}</span>
              <span class="tile-meta muted">
                {c.login}
                {c.birth_date ? ` · ${formatDate(lang, c.birth_date)}` : ''}
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <p class="empty" data-testid="my-children">
          {t('dash.noChildren')}
        </p>
      )}
    </section>
  );
}
