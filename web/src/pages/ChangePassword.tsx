// Password change form: forced after the first login (must_change_password) and available from the user menu.
import { useState } from 'preact/hooks';
import { api } from '../api';
import { ErrorBox, Notice } from '../components';
import { useI18n } from '../i18n';

export const MIN_PASSWORD_LENGTH = 8;

/** Checks the two new-password fields; returns the message key of the first problem, or null. */
export function passwordProblem(newPassword: string, repeat: string): 'pw.tooShort' | 'pw.mismatch' | null {
  if ([...newPassword].length < MIN_PASSWORD_LENGTH) return 'pw.tooShort';
  if (newPassword !== repeat) return 'pw.mismatch';
  return null;
}

export function ChangePassword(props: {
  /** The password just typed at login; when given, the "current password" field is not asked again. */
  knownCurrent?: string | null;
  forced: boolean;
  onDone: () => void;
}) {
  const { t } = useI18n();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setSaved(false);
    const problem = passwordProblem(next, repeat);
    if (problem) {
      setError(new Error(t(problem)));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.changePassword(props.knownCurrent ?? current, next);
      setCurrent('');
      setNext('');
      setRepeat('');
      setSaved(true);
      props.onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card narrow" data-testid="change-password">
      <h1>{t('pw.title')}</h1>
      <p class="muted">{props.forced ? t('pw.forcedIntro') : t('pw.intro')}</p>
      <form onSubmit={submit} class="stack" data-testid="change-password-form">
        <ErrorBox error={error} />
        {saved && <Notice>{t('pw.saved')}</Notice>}
        {props.knownCurrent == null && (
          <div class="field">
            <label for="pw-current">{t('pw.current')}</label>
            <input
              id="pw-current"
              type="password"
              autocomplete="current-password"
              required
              value={current}
              onInput={(e) => setCurrent(e.currentTarget.value)}
            />
          </div>
        )}
        <div class="field">
          <label for="pw-new">{t('pw.new')}</label>
          <input
            id="pw-new"
            type="password"
            autocomplete="new-password"
            required
            value={next}
            onInput={(e) => setNext(e.currentTarget.value)}
          />
          <small class="muted">{t('pw.rules')}</small>
        </div>
        <div class="field">
          <label for="pw-repeat">{t('pw.repeat')}</label>
          <input
            id="pw-repeat"
            type="password"
            autocomplete="new-password"
            required
            value={repeat}
            onInput={(e) => setRepeat(e.currentTarget.value)}
          />
        </div>
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {t('pw.submit')}
        </button>
      </form>
    </section>
  );
}
