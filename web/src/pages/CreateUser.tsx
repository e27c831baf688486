// Admin form "Benutzer anlegen": login, name, role, birth date and, for pupils, the consents on file.
import { useState } from 'preact/hooks';
import { api, type ConsentGiver, type Role, type User } from '../api';
import { ErrorBox } from '../components';
import { ageOn, consentHintKey, consentSatisfied, GIVERS, requiredGivers } from '../consentRule';
import { useI18n } from '../i18n';

export const ROLES: readonly Role[] = ['pupil', 'teacher', 'parent', 'admin'];

export function CreateUser(props: { onSubmit: () => void; onCreated: (user: User, initialPassword: string) => void }) {
  const { t } = useI18n();
  const [login, setLogin] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<Role>('pupil');
  const [birthDate, setBirthDate] = useState('');
  const [consents, setConsents] = useState<ConsentGiver[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    props.onSubmit();
    setBusy(true);
    setError(null);
    try {
      const res = await api.createUser({
        login: login.trim(),
        display_name: displayName.trim(),
        role,
        ...(birthDate ? { birth_date: birthDate } : {}),
        ...(role === 'pupil' ? { consents } : {}),
      });
      setLogin('');
      setDisplayName('');
      setBirthDate('');
      setConsents([]);
      props.onCreated(res.user, res.initial_password);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="create-user-title">
      <h2 id="create-user-title">{t('users.create')}</h2>
      <form onSubmit={submit} data-testid="create-user-form">
        <ErrorBox error={error} />
        <div class="form-grid">
          <div class="field">
            <label for="new-login">{t('users.login')}</label>
            <input
              id="new-login"
              autocomplete="off"
              autocapitalize="none"
              spellcheck={false}
              required
              value={login}
              onInput={(e) => setLogin(e.currentTarget.value)}
            />
          </div>
          <div class="field">
            <label for="new-display-name">{t('users.displayName')}</label>
            <input
              id="new-display-name"
              autocomplete="off"
              required
              value={displayName}
              onInput={(e) => setDisplayName(e.currentTarget.value)}
            />
          </div>
          <div class="field">
            <label for="new-role">{t('users.role')}</label>
            <select id="new-role" value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {t(`role.${r}`)}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="new-birth-date">{t('users.birthDate')}</label>
            <input
              id="new-birth-date"
              type="date"
              value={birthDate}
              onInput={(e) => setBirthDate(e.currentTarget.value)}
            />
          </div>
        </div>
        {role === 'pupil' && <ConsentFieldset birthDate={birthDate} value={consents} onChange={setConsents} />}
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled={busy}>
            {t('users.submitCreate')}
          </button>
        </div>
      </form>
    </section>
  );
}

/** "Einwilligung liegt vor": which consents are on file, with the age rule and its outcome. */
function ConsentFieldset(props: { birthDate: string; value: ConsentGiver[]; onChange: (v: ConsentGiver[]) => void }) {
  const { t } = useI18n();
  const today = new Date();
  const required = requiredGivers(props.birthDate, today);
  const active = consentSatisfied(required, props.value);
  const toggle = (g: ConsentGiver, on: boolean) =>
    props.onChange(on ? [...props.value.filter((x) => x !== g), g] : props.value.filter((x) => x !== g));
  return (
    <fieldset class="consent-fieldset" data-testid="consent-fieldset">
      <legend>{t('consent.legend')}</legend>
      <div class="row consent-checks">
        {GIVERS.map((g) => (
          <label key={g} class="check">
            <input type="checkbox" checked={props.value.includes(g)} onChange={(e) => toggle(g, e.currentTarget.checked)} />
            {t(g === 'parents' ? 'giver.parents' : 'consent.pupilSelf')}
          </label>
        ))}
      </div>
      <p class="small muted">{t('consent.rule')}</p>
      <p class={`small consent-outcome ${active ? 'ok' : 'warn'}`} data-testid="consent-outcome">
        {t(consentHintKey(props.birthDate, today), { age: ageOn(props.birthDate, today) ?? '' })}{' '}
        <strong>{t(active ? 'consent.willBeActive' : 'consent.willBeRestricted')}</strong>
      </p>
    </fieldset>
  );
}
