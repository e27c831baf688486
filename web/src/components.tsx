// Small shared UI pieces: in-app link, error box, one-time secret box, badges, avatars, modal, data loading hook.
import { Fragment, type ComponentChildren } from 'preact';
import { useCallback, useEffect, useId, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';
import { LANGS, useI18n } from './i18n';
import { onLinkClick } from './router';

export function Link(props: { href: string; class?: string; children: ComponentChildren; 'data-testid'?: string; 'aria-current'?: 'page' }) {
  return (
    <a {...props} onClick={onLinkClick}>
      {props.children}
    </a>
  );
}

/** Shows an error (an ApiError in the UI language, or any other error's message). */
export function ErrorBox({ error }: { error: unknown }) {
  const { lang, t } = useI18n();
  if (!error) return null;
  let text =
    error instanceof ApiError ? error.localized(lang) : error instanceof Error ? error.message : String(error);
  if (error instanceof ApiError && error.retryAfterSeconds) {
    text += ` ${t('error.retryAfter', { seconds: error.retryAfterSeconds })}`;
  }
  return (
    <div class="alert alert-error" role="alert" data-testid="error">
      {text}
    </div>
  );
}

export function Notice({ children }: { children: ComponentChildren }) {
  return (
    <div class="alert alert-success" role="status" data-testid="notice">
      {children}
    </div>
  );
}

/** A password shown exactly once (initial password or reset); closing it forgets it. */
export function SecretBox(props: { title: string; secret: string; onClose: () => void }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.secret);
      setCopied(true);
    } catch {
      // Clipboard not available (e.g. plain http); the password is still visible to copy by hand.
    }
  };
  return (
    <section class="secret-box" role="status" aria-live="polite" data-testid="secret-box">
      <h3>{props.title}</h3>
      <p class="secret-value">
        <code data-testid="initial-password">{props.secret}</code>
      </p>
      <p class="muted">{t('users.passwordHint')}</p>
      <div class="row">
        <button type="button" class="btn" onClick={copy}>
          {copied ? t('common.copied') : t('common.copy')}
        </button>
        <button type="button" class="btn btn-primary" onClick={props.onClose}>
          {t('common.close')}
        </button>
      </div>
    </section>
  );
}

export function Badge({ kind, children }: { kind?: string; children: ComponentChildren }) {
  return <span class={`badge${kind ? ` badge-${kind}` : ''}`}>{children}</span>;
}

/** Up to two initials of a display name, for the round avatar. */
export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const first = parts[0]?.[0] ?? '';
  const last = parts.length > 1 ? (parts[parts.length - 1]?.[0] ?? '') : '';
  return (first + last).toUpperCase();
}

/** The round avatar of a person: the initials of the name (decorative; the name is shown next to it). */
export function Avatar({ name, small }: { name: string; small?: boolean }) {
  return (
    <span class={small ? 'avatar avatar-small' : 'avatar'} aria-hidden="true">
      {initials(name)}
    </span>
  );
}

export function Loading() {
  const { t } = useI18n();
  return (
    <p class="muted" aria-busy="true">
      {t('app.loading')}
    </p>
  );
}

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Runs an async loader when its dependencies change; `reload()` runs it again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let alive = true;
    setLoading(true);
    load().then(
      (d) => {
        if (!alive) return;
        setData(d);
        setError(null);
        setLoading(false);
      },
      (e) => {
        if (!alive) return;
        setError(e);
        setLoading(false);
      },
    );
    return () => {
      alive = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload };
}

/** The schulhof mark: a small schoolhouse, drawn inline so nothing is loaded from elsewhere. */
export function Logo() {
  return (
    <svg class="logo" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="8" fill="currentColor" />
      <path d="M16 6 6 13h3v11h5v-6h4v6h5V13h3z" fill="#fff" />
      <circle cx="16" cy="13.5" r="1.8" fill="#f4b740" />
    </svg>
  );
}

/** The visible "DE | EN" language switch; the choice is remembered in localStorage. */
export function LangSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <div class="lang-switch" role="group" aria-label={t('nav.language')} data-testid="lang-switch">
      {LANGS.map((l, i) => (
        <Fragment key={l}>
          {i > 0 && <span class="sep" aria-hidden="true">|</span>}
          <button
            type="button"
            lang={l}
            aria-pressed={l === lang}
            class={l === lang ? 'active' : ''}
            onClick={() => setLang(l)}
          >
            {l.toUpperCase()}
          </button>
        </Fragment>
      ))}
    </div>
  );
}

/**
 * A modal dialog on the native <dialog> element (focus stays inside, Escape closes). It is shown
 * while mounted; `onClose` runs on Escape and on the close button.
 */
export function Modal(props: { title: string; onClose: () => void; children: ComponentChildren; 'data-testid'?: string; wide?: boolean }) {
  const { t } = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) {
      if (typeof d.showModal === 'function') d.showModal();
      else d.setAttribute('open', '');
    }
    return () => {
      if (d?.open) d.close();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      class={props.wide ? 'modal modal-wide' : 'modal'}
      aria-labelledby={titleId}
      data-testid={props['data-testid']}
      onCancel={(e) => {
        e.preventDefault();
        props.onClose();
      }}
    >
      <div class="modal-head">
        <h2 id={titleId}>{props.title}</h2>
        <button type="button" class="btn btn-ghost btn-small modal-close" aria-label={t('common.closeDialog')} onClick={props.onClose}>
          ×
        </button>
      </div>
      <div class="modal-body">{props.children}</div>
    </dialog>
  );
}

/** The current time, updated every `intervalMs` while `active`. */
export function useNow(intervalMs: number, active = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const h = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(h);
  }, [intervalMs, active]);
  return now;
}
