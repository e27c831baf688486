// Login page ("Anmelden"): login name, password, and the school slug when the server asks for it.
import { useState } from 'preact/hooks';
import { api, ApiError, type Me } from '../api';
import { ErrorBox, LangSwitch, Logo } from '../components';
import { useI18n } from '../i18n';

export function Login({ onLoggedIn }: { onLoggedIn: (me: Me, password: string) => void }) {
  const { t } = useI18n();
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [school, setSchool] = useState('');
  const [needSchool, setNeedSchool] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const me = await api.login(login.trim(), password, needSchool ? school.trim() || undefined : undefined);
      onLoggedIn(me, password);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'school_required') setNeedSchool(true);
      setError(err);
      setBusy(false);
    }
  };

  return (
    <div class="auth-page">
      <div class="auth-top">
        <LangSwitch />
      </div>
      <main class="auth-card card" data-testid="login-page">
        <div class="brand brand-large">
          <Logo />
          <span>{t('app.name')}</span>
        </div>
        <h1>{t('login.title')}</h1>
        <p class="muted">{t('login.intro')}</p>
        <form onSubmit={submit} data-testid="login-form" class="stack">
          <ErrorBox error={error} />
          <div class="field">
            <label for="login-name">{t('login.login')}</label>
            <input
              id="login-name"
              name="login"
              autocomplete="username"
              autocapitalize="none"
              spellcheck={false}
              required
              value={login}
              onInput={(e) => setLogin(e.currentTarget.value)}
            />
          </div>
          <div class="field">
            <label for="login-password">{t('login.password')}</label>
            <input
              id="login-password"
              name="password"
              type="password"
              autocomplete="current-password"
              required
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          </div>
          {needSchool && (
            <div class="field">
              <label for="login-school">{t('login.school')}</label>
              <input
                id="login-school"
                name="school"
                autocapitalize="none"
                spellcheck={false}
                required
                value={school}
                onInput={(e) => setSchool(e.currentTarget.value)}
              />
              <small class="muted">{t('login.schoolHint')}</small>
            </div>
          )}
          <button type="submit" class="btn btn-primary btn-block" disabled={busy}>
            {busy ? t('login.busy') : t('login.submit')}
          </button>
        </form>
      </main>
    </div>
  );
}
