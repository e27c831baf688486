// Admin page "Module": one switch per platform module, with the note that the school conference decides.
import { useState } from 'preact/hooks';
import { api, MODULES, type Module, type ModuleSwitch } from '../api';
import { ErrorBox, Loading, useLoad } from '../components';
import { formatDateTime, useI18n } from '../i18n';

/** The switches in the fixed display order; modules the server does not list are left out. */
export function orderModules(list: ModuleSwitch[]): ModuleSwitch[] {
  const rank = (m: Module) => {
    const i = MODULES.indexOf(m);
    return i < 0 ? MODULES.length : i;
  };
  return [...list].sort((a, b) => rank(a.module) - rank(b.module));
}

export function Modules({ onChanged }: { onChanged: () => void }) {
  const { t, lang } = useI18n();
  const modules = useLoad(() => api.modules(), []);
  const [overrides, setOverrides] = useState<Partial<Record<Module, ModuleSwitch>>>({});
  const [busy, setBusy] = useState<Module | null>(null);
  const [error, setError] = useState<unknown>(null);

  const toggle = async (current: ModuleSwitch, enabled: boolean) => {
    const module = current.module;
    setBusy(module);
    setError(null);
    // Show the new position at once; the server's answer (or the old state on failure) follows.
    setOverrides((o) => ({ ...o, [module]: { ...current, enabled } }));
    try {
      const answer = await api.setModule(module, enabled);
      setOverrides((o) => ({ ...o, [module]: answer }));
      onChanged();
    } catch (err) {
      setOverrides((o) => ({ ...o, [module]: current }));
      setError(err);
    } finally {
      setBusy(null);
    }
  };

  const list = orderModules((modules.data ?? []).map((m) => overrides[m.module] ?? m));
  return (
    <div class="page" data-testid="modules-page">
      <header class="page-head">
        <h1>{t('modules.title')}</h1>
        <p class="muted">{t('modules.intro')}</p>
      </header>

      <div class="callout" role="note" data-testid="modules-note">
        <svg class="callout-icon" viewBox="0 0 24 24" aria-hidden="true">
          <path d="M4 21h16M6 18h12M7 10v8m5-8v8m5-8v8M3 9l9-6 9 6z" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round" />
        </svg>
        <div>
          <strong>{t('modules.note')}</strong>
          <p class="small">{t('modules.noteDetail')}</p>
        </div>
      </div>

      <section class="card">
        <ErrorBox error={modules.error} />
        <ErrorBox error={error} />
        {modules.loading && !modules.data ? (
          <Loading />
        ) : (
          <ul class="switch-list" data-testid="module-list">
            {list.map((m) => {
              const id = `module-${m.module}`;
              return (
                <li key={m.module} class={m.enabled ? 'on' : ''} data-testid={id}>
                  <div class="switch-text">
                    <label for={id} class="switch-name">
                      {t(`module.${m.module}`)}
                    </label>
                    <span class="muted small">{t(`moduleDesc.${m.module}`)}</span>
                    {m.changed_at !== null && (
                      <span class="muted small">{t('modules.changedAt', { at: formatDateTime(lang, m.changed_at) })}</span>
                    )}
                  </div>
                  <span class={`switch-state small ${m.enabled ? 'on' : ''}`} aria-hidden="true">
                    {t(m.enabled ? 'modules.on' : 'modules.off')}
                  </span>
                  <input
                    id={id}
                    type="checkbox"
                    role="switch"
                    class="switch"
                    checked={m.enabled}
                    disabled={busy === m.module}
                    onChange={(e) => toggle(m, e.currentTarget.checked)}
                  />
                </li>
              );
            })}
          </ul>
        )}
      </section>
    </div>
  );
}
