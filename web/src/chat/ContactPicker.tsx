// Searches the people I may chat with; single: picks one at once, multiple: collects a selection to submit.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { chatApi, type Contact } from '../chatApi';
import { Avatar, ErrorBox, Loading } from '../components';
import { useI18n } from '../i18n';

export function ContactPicker(props: {
  multiple: boolean;
  exclude?: ReadonlySet<string>;
  submitLabel: string;
  onSubmit: (ids: string[]) => Promise<void>;
  onCancel?: () => void;
  canSubmit?: boolean;
}) {
  const { t } = useI18n();
  const [q, setQ] = useState('');
  const [found, setFound] = useState<Contact[] | null>(null);
  const [picked, setPicked] = useState<Contact[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const inputId = useMemo(() => `contact-q-${Math.random().toString(36).slice(2, 8)}`, []);

  useEffect(() => {
    let alive = true;
    const timer = setTimeout(() => {
      chatApi.contacts(q.trim()).then(
        (r) => {
          if (alive) {
            setFound(r.users);
            setError(null);
          }
        },
        (e) => alive && setError(e),
      );
    }, 250);
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [q]);

  const submit = async (ids: string[]) => {
    setBusy(true);
    setError(null);
    try {
      await props.onSubmit(ids);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const choose = (c: Contact) => {
    if (props.multiple) setPicked((p) => (p.some((x) => x.id === c.id) ? p.filter((x) => x.id !== c.id) : [...p, c]));
    else void submit([c.id]);
  };

  const shown = (found ?? []).filter((c) => !props.exclude?.has(c.id));
  return (
    <div class="contact-picker" data-testid="contact-picker">
      <div class="field">
        <label for={inputId}>{t('chat.findPeople')}</label>
        <input id={inputId} type="search" value={q} placeholder={t('chat.findPlaceholder')} onInput={(e) => setQ(e.currentTarget.value)} />
      </div>
      <ErrorBox error={error} />
      {found === null ? (
        <Loading />
      ) : shown.length === 0 ? (
        <p class="empty">{t('chat.noContacts')}</p>
      ) : (
        <ul class="contact-list">
          {shown.map((c) => {
            const on = picked.some((p) => p.id === c.id);
            return (
              <li key={c.id}>
                <button
                  type="button"
                  class={on ? 'contact on' : 'contact'}
                  aria-pressed={props.multiple ? on : undefined}
                  disabled={busy}
                  onClick={() => choose(c)}
                  data-testid="contact"
                >
                  <Avatar name={c.display_name} small />
                  <span>
                    {c.display_name} <span class="muted small">· {t(`role.${c.role}`)}</span>
                  </span>
                  {on && <span aria-hidden="true">✓</span>}
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {props.multiple && (
        <div class="form-actions">
          {picked.length > 0 && <span class="muted small picked-count">{t('chat.picked', { n: picked.length })}</span>}
          {props.onCancel && (
            <button type="button" class="btn" onClick={props.onCancel}>
              {t('common.cancel')}
            </button>
          )}
          <button type="button" class="btn btn-primary" disabled={busy || picked.length === 0 || props.canSubmit === false} onClick={() => submit(picked.map((p) => p.id))}>
            {props.submitLabel}
          </button>
        </div>
      )}
    </div>
  );
}
