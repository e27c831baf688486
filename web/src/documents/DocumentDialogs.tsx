// Small dialogs of the documents list: create a document of an enabled kind, and rename one.
import { useState } from 'preact/hooks';
import { ErrorBox, Modal } from '../components';
import { useI18n } from '../i18n';
import { docApi, type DocumentKind, type LiveDocument } from './api';

const TITLE_MAX = 200;

export function CreateDialog(props: { kinds: DocumentKind[]; onClose: () => void; onCreated: (d: LiveDocument) => void }) {
  const { t } = useI18n();
  const [kind, setKind] = useState<DocumentKind>(props.kinds[0] ?? 'office');
  const [title, setTitle] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      props.onCreated(await docApi.create(kind, title.trim() || t('doc.untitled')));
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <Modal title={t('doc.newTitle')} onClose={props.onClose} data-testid="doc-create-dialog">
      <form onSubmit={submit} class="stack">
        <fieldset class="kind-pick">
          <legend>{t('doc.newKind')}</legend>
          {props.kinds.map((k) => (
            <label key={k} class={kind === k ? 'kind-option on' : 'kind-option'}>
              <input type="radio" name="doc-kind" value={k} checked={kind === k} onChange={() => setKind(k)} data-testid={`doc-kind-${k}`} />
              <span class={`kind-icon kind-${k}`} aria-hidden="true" />
              {t(`doc.kind.${k}`)}
            </label>
          ))}
        </fieldset>
        <div class="field">
          <label for="doc-new-title">{t('doc.newName')}</label>
          <input
            id="doc-new-title"
            maxLength={TITLE_MAX}
            value={title}
            placeholder={t('doc.untitled')}
            onInput={(e) => setTitle(e.currentTarget.value)}
            data-testid="doc-title-input"
          />
        </div>
        <ErrorBox error={error} />
        <div class="form-actions">
          <button type="button" class="btn" onClick={props.onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="doc-create-submit">
            {t('doc.create')}
          </button>
        </div>
      </form>
    </Modal>
  );
}

export function RenameDialog(props: { document: LiveDocument; onClose: () => void; onRenamed: (d: LiveDocument) => void }) {
  const { t } = useI18n();
  const [title, setTitle] = useState(props.document.title);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      props.onRenamed(await docApi.rename(props.document.id, title.trim()));
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <Modal title={t('doc.renameTitle')} onClose={props.onClose} data-testid="doc-rename-dialog">
      <form onSubmit={submit} class="stack">
        <div class="field">
          <label for="doc-rename-title">{t('doc.newName')}</label>
          <input
            id="doc-rename-title"
            required
            maxLength={TITLE_MAX}
            value={title}
            onInput={(e) => setTitle(e.currentTarget.value)}
            data-testid="doc-rename-input"
          />
        </div>
        <ErrorBox error={error} />
        <div class="form-actions">
          <button type="button" class="btn" onClick={props.onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy || title.trim() === ''} data-testid="doc-rename-submit">
            {t('doc.save')}
          </button>
        </div>
      </form>
    </Modal>
  );
}
