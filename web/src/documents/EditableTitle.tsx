// The title in the editor header: plain for readers; for users with write/owner access a click turns it
// into an input (Enter saves via PATCH /api/documents/{id}, Esc cancels; the server's message on 422).
import { useEffect, useRef, useState } from 'preact/hooks';
import { ErrorBox } from '../components';
import { useI18n } from '../i18n';
import { docApi, type LiveDocument } from './api';

const TITLE_MAX = 200;

export function EditableTitle(props: { meta: LiveDocument; canEdit: boolean; onRenamed: (d: LiveDocument) => void }) {
  const { t } = useI18n();
  const { meta } = props;
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const refocus = useRef(false);
  const editing = draft !== null;

  useEffect(() => {
    if (editing) input.current?.select();
    else if (refocus.current) {
      refocus.current = false;
      button.current?.focus();
    }
  }, [editing]);

  /** Ends editing; after Enter or Esc the focus goes back to the title. */
  const close = (focusTitle = true) => {
    refocus.current = focusTitle;
    setDraft(null);
    setError(null);
  };

  const save = async () => {
    if (draft === null || busy) return;
    const title = draft.trim();
    if (title === meta.title) return close();
    setBusy(true);
    setError(null);
    try {
      const doc = await docApi.rename(meta.id, title);
      props.onRenamed(doc);
      close();
    } catch (err) {
      setError(err); // the field keeps the focus (read-only, not disabled, while saving)
    } finally {
      setBusy(false);
    }
  };

  if (!props.canEdit) {
    return (
      <h1 id="doc-title" data-testid="doc-title">
        {meta.title}
      </h1>
    );
  }

  if (!editing) {
    return (
      <h1 id="doc-title" data-testid="doc-title">
        <button
          type="button"
          ref={button}
          class="doc-title-button"
          title={t('doc.renameHint')}
          onClick={() => setDraft(meta.title)}
          data-testid="doc-title-edit"
        >
          {meta.title}
        </button>
      </h1>
    );
  }

  return (
    <form
      class="doc-title-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <input
        ref={input}
        id="doc-title"
        class="doc-title-input"
        aria-label={t('doc.newName')}
        maxLength={TITLE_MAX}
        value={draft}
        readOnly={busy}
        aria-busy={busy}
        aria-invalid={error ? true : undefined}
        onInput={(e) => setDraft(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            e.stopPropagation();
            close();
          }
        }}
        onBlur={() => {
          // Leaving the field unchanged simply ends editing; a changed title waits for Enter or Esc.
          if (!busy && draft.trim() === meta.title) close(false);
        }}
        data-testid="doc-title-rename-input"
      />
      <ErrorBox error={error} />
    </form>
  );
}
