// Application shell: session state, language state, the top navigation bar, and the routes.
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, ApiError, setSessionProblemHandler, type Me } from './api';
import { ErrorBox, LangSwitch, Link, Loading, Logo } from './components';
import { I18nContext, loadLang, saveLang, translate, useI18n, type I18n, type Lang, type MessageKey } from './i18n';
import { matchRoute, navigate, usePath } from './router';
import { AddressBook } from './pages/AddressBook';
import { Audit } from './pages/Audit';
import { ChangePassword } from './pages/ChangePassword';
import { Consents } from './pages/Consents';
import { Dashboard, moduleTiles } from './pages/Dashboard';
import { GroupDetail, Groups } from './pages/Groups';
import { ChatPage } from './pages/Chat';
import { DocumentEditorPage } from './pages/DocumentEditor';
import { DocumentsPage } from './pages/Documents';
import { ChatRoomsProvider, useChatRooms } from './chatRooms';
import { unreadBadge } from './chatLogic';
import { MyGroup } from './pages/MyGroup';
import { stopHub, hub } from './hub';
import { Import } from './pages/Import';
import { Login } from './pages/Login';
import { Modules } from './pages/Modules';
import { Sessions } from './pages/Sessions';
import { Users } from './pages/Users';
import { VideoLessonPage } from './pages/VideoLesson';

/** The administration pages in navigation order: path and title. */
const ADMIN_NAV = [
  ['/admin/users', 'nav.users'],
  ['/admin/groups', 'nav.groups'],
  ['/admin/consents', 'nav.consents'],
  ['/admin/import', 'nav.import'],
  ['/admin/modules', 'nav.modules'],
  ['/admin/audit', 'nav.audit'],
] as const;

export function App() {
  const [lang, setLangState] = useState<Lang>(() => loadLang());
  const i18n = useMemo<I18n>(
    () => ({
      lang,
      t: (key, params) => translate(lang, key, params),
      setLang: (l) => {
        saveLang(l);
        setLangState(l);
      },
    }),
    [lang],
  );
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  // undefined: still asking the server; null: not logged in.
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [startError, setStartError] = useState<unknown>(null);
  // The password typed at login, kept only until a required password change is done.
  const [typedPassword, setTypedPassword] = useState<string | null>(null);

  const loadMe = useCallback(() => {
    setStartError(null);
    api.me().then(setMe, (err) => {
      if (err instanceof ApiError && err.status === 401) setMe(null);
      else setStartError(err);
    });
  }, []);

  useEffect(() => {
    setSessionProblemHandler((code) => {
      if (code === 'unauthenticated') {
        setTypedPassword(null);
        setMe(null);
      } else {
        // The password was reset meanwhile: /api/me now says must_change_password.
        loadMe();
      }
    });
    loadMe();
    return () => setSessionProblemHandler(null);
  }, [loadMe]);

  const logout = useCallback(async () => {
    try {
      await api.logout();
    } catch {
      // Already logged out or server gone: the local state is reset either way.
    }
    setTypedPassword(null);
    setMe(null);
    navigate('/', true);
  }, []);

  let content;
  if (startError) {
    content = (
      <div class="auth-page">
        <main class="auth-card card">
          <h1>{translate(lang, 'app.startFailed')}</h1>
          <ErrorBox error={startError} />
          <button type="button" class="btn btn-primary" onClick={loadMe}>
            {translate(lang, 'app.retry')}
          </button>
        </main>
      </div>
    );
  } else if (me === undefined) {
    content = (
      <div class="auth-page">
        <Loading />
      </div>
    );
  } else if (me === null) {
    content = (
      <Login
        onLoggedIn={(m, password) => {
          setTypedPassword(m.user.must_change_password ? password : null);
          setMe(m);
        }}
      />
    );
  } else if (me.user.must_change_password) {
    content = (
      <div class="auth-page">
        <div class="auth-top">
          <LangSwitch />
        </div>
        <main class="auth-main">
          <ChangePassword
            forced
            knownCurrent={typedPassword}
            onDone={() => {
              setTypedPassword(null);
              loadMe();
            }}
          />
          <p class="center">
            <button type="button" class="btn btn-link" onClick={logout}>
              {translate(lang, 'nav.logout')}
            </button>
          </p>
        </main>
      </div>
    );
  } else {
    content = <Shell me={me} onLogout={logout} onMeChanged={loadMe} />;
  }

  return <I18nContext.Provider value={i18n}>{content}</I18nContext.Provider>;
}

function Shell({ me, onLogout, onMeChanged }: { me: Me; onLogout: () => void; onMeChanged: () => void }) {
  const { t } = useI18n();
  const path = usePath();
  const isAdmin = me.user.role === 'admin';
  const adminOnly = (page: ComponentChildren) => (isAdmin ? page : <Problem text={t('common.forbidden')} />);
  const modules = new Set(me.modules ?? []);
  const active = me.user.status === 'active';
  // One live connection per tab while a module that uses it is on (messenger, polls, video).
  const hubWanted = active && (modules.has('messenger') || modules.has('polls') || modules.has('video'));
  useEffect(() => {
    if (!hubWanted) return;
    const off = hub().onState((s) => {
      // The session ended (or the account changed): let the app ask the server who we are.
      if (s.status === 'closed' && (s.closeCode === 4401 || s.closeCode === 4403)) onMeChanged();
    });
    return () => {
      off();
      stopHub();
    };
  }, [hubWanted, onMeChanged]);

  let title: MessageKey = 'nav.dashboard';
  let page;
  let params: Record<string, string> | null;
  if (matchRoute('/', path)) {
    page = <Dashboard me={me} />;
  } else if (matchRoute('/sessions', path)) {
    title = 'nav.sessions';
    page = <Sessions onCurrentRevoked={onLogout} />;
  } else if (matchRoute('/password', path)) {
    title = 'nav.password';
    page = <ChangePassword forced={false} onDone={() => {}} />;
  } else if (matchRoute('/admin/users', path)) {
    title = 'nav.users';
    page = isAdmin ? <Users selfId={me.user.id} /> : <Problem text={t('common.forbidden')} />;
  } else if (matchRoute('/admin/groups', path)) {
    title = 'nav.groups';
    page = isAdmin ? <Groups /> : <Problem text={t('common.forbidden')} />;
  } else if ((params = matchRoute('/admin/groups/:id', path))) {
    title = 'nav.groups';
    page = isAdmin ? <GroupDetail key={params.id} id={params.id!} /> : <Problem text={t('common.forbidden')} />;
  } else if (matchRoute('/admin/consents', path)) {
    title = 'nav.consents';
    page = adminOnly(<Consents />);
  } else if (matchRoute('/admin/modules', path)) {
    title = 'nav.modules';
    page = adminOnly(<Modules onChanged={onMeChanged} />);
  } else if (matchRoute('/admin/import', path)) {
    title = 'nav.import';
    page = adminOnly(<Import />);
  } else if (matchRoute('/admin/audit', path)) {
    title = 'nav.audit';
    page = adminOnly(<Audit />);
  } else if (matchRoute('/chat', path) || matchRoute('/chat/:id', path)) {
    title = 'module.messenger';
    const roomId = matchRoute('/chat/:id', path)?.id ?? null;
    page = modules.has('messenger') && active ? (
      <ChatPage me={me} roomId={roomId} pollsEnabled={modules.has('polls')} />
    ) : (
      <Problem text={t('chat.moduleOff')} />
    );
  } else if (matchRoute('/documents', path) || matchRoute('/documents/:id', path)) {
    title = 'nav.documents';
    const documentId = matchRoute('/documents/:id', path)?.id ?? null;
    const documentsOn = active && (modules.has('documents') || modules.has('texts') || modules.has('boards'));
    page = !documentsOn ? (
      <Problem text={t('doc.moduleOff')} />
    ) : documentId ? (
      <DocumentEditorPage key={documentId} me={me} id={documentId} />
    ) : (
      <DocumentsPage me={me} />
    );
  } else if ((params = matchRoute('/groups/:id', path))) {
    title = 'group.title';
    page = <MyGroup key={params.id} me={me} id={params.id!} />;
  } else if ((params = matchRoute('/video/:group', path))) {
    title = 'video.title';
    page = modules.has('video') && active ? <VideoLessonPage key={params.group} me={me} group={params.group!} /> : <Problem text={t('video.moduleOff')} />;
  } else if (matchRoute('/addressbook', path)) {
    title = 'module.addressbook';
    page = <AddressBook />;
  } else {
    page = <Problem text={t('common.notFound')} />;
  }

  useEffect(() => {
    document.title = `${t(title)} · ${t('app.name')}`;
  }, [title, t]);

  return (
    <ChatRoomsProvider meId={me.user.id} enabled={hubWanted && modules.has('messenger')}>
      <a class="skip-link" href="#main">
        {t('nav.skip')}
      </a>
      <TopBar me={me} path={path} onLogout={onLogout} />
      <main id="main" class="container">
        {page}
      </main>
    </ChatRoomsProvider>
  );
}

function TopBar({ me, path, onLogout }: { me: Me; path: string; onLogout: () => void }) {
  const { t } = useI18n();
  const menu = useRef<HTMLDetailsElement>(null);
  const isAdmin = me.user.role === 'admin';

  // Close the user menu after navigating and when clicking anywhere else.
  useEffect(() => {
    if (menu.current) menu.current.open = false;
  }, [path]);
  useEffect(() => {
    const close = (e: MouseEvent) => {
      if (menu.current?.open && !menu.current.contains(e.target as Node)) menu.current.open = false;
    };
    document.addEventListener('click', close);
    return () => document.removeEventListener('click', close);
  }, []);

  const { unread } = useChatRooms();
  const navLink = (href: string, key: MessageKey, active: boolean, badge = '') => (
    <Link key={href} href={href} class={active ? 'nav-link active' : 'nav-link'} aria-current={active ? 'page' : undefined}>
      {t(key)}
      {badge && (
        <span class="nav-badge" data-testid="nav-unread" aria-label={t('chat.unreadLabel', { n: unread })}>
          {badge}
        </span>
      )}
    </Link>
  );

  return (
    <header class="topbar" data-testid="topbar">
      <div class="topbar-inner">
        <Link href="/" class="brand">
          <Logo />
          <span class="brand-text">
            <span class="brand-name">{t('app.name')}</span>
            <span class="school-name" data-testid="school-name">
              {me.school.name}
            </span>
          </span>
        </Link>
        <nav class="nav" aria-label={t('nav.main')}>
          {navLink('/', 'nav.dashboard', path === '/')}
          {moduleTiles(me).map(({ module, href }) =>
            navLink(href, href === '/documents' ? 'nav.documents' : `module.${module}`, path.startsWith(href), module === 'messenger' ? unreadBadge(unread) : ''),
          )}
          {isAdmin && <span class="nav-sep" aria-hidden="true" />}
          {isAdmin && ADMIN_NAV.map(([href, key]) => navLink(href, key, path.startsWith(href)))}
        </nav>
        <div class="topbar-right">
          <LangSwitch />
          <details class="user-menu" ref={menu} data-testid="user-menu">
            <summary>
              <span class="avatar avatar-small" aria-hidden="true">
                {me.user.display_name.trim().charAt(0).toUpperCase()}
              </span>
              <span class="user-name" data-testid="user-name">
                {me.user.display_name}
              </span>
            </summary>
            <div class="menu">
              <div class="menu-head">
                <strong>{me.user.display_name}</strong>
                <span class="muted small">
                  {me.user.login} · {t(`role.${me.user.role}`)}
                </span>
              </div>
              <Link href="/sessions" class="menu-item">
                {t('nav.sessions')}
              </Link>
              <Link href="/password" class="menu-item">
                {t('nav.password')}
              </Link>
            </div>
          </details>
          <button type="button" class="btn btn-ghost" onClick={onLogout} data-testid="logout">
            {t('nav.logout')}
          </button>
        </div>
      </div>
    </header>
  );
}

function Problem({ text }: { text: string }) {
  const { t } = useI18n();
  return (
    <section class="card narrow">
      <p>{text}</p>
      <Link href="/" class="btn btn-primary">
        {t('common.toDashboard')}
      </Link>
    </section>
  );
}
