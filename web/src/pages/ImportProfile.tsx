// Collapsible "Spaltenzuordnung": view and save the column mapping profile used by later imports of a kind.
import { useEffect, useState } from 'preact/hooks';
import { ErrorBox, Notice } from '../components';
import { useI18n } from '../i18n';
import {
  loadProfile,
  MAPPING_FIELDS,
  REQUIRED_MAPPING_FIELDS,
  saveProfile,
  type ColumnMapping,
  type ImportKind,
  type MappingField,
} from '../importApi';

type Form = Record<MappingField, string>;

/** The form values of a mapping (empty text for fields without a column). */
export function mappingToForm(mapping: ColumnMapping | null): Form {
  const form = {} as Form;
  for (const f of MAPPING_FIELDS) form[f] = mapping?.[f] ?? '';
  return form;
}

/** The mapping to save: trimmed names, optional fields without a column left out. */
export function formToMapping(form: Form): ColumnMapping {
  const mapping: ColumnMapping = {
    import_id: form.import_id.trim(),
    last_name: form.last_name.trim(),
    first_name: form.first_name.trim(),
  };
  for (const f of MAPPING_FIELDS) {
    if (REQUIRED_MAPPING_FIELDS.includes(f)) continue;
    const v = form[f].trim();
    if (v) mapping[f] = v;
  }
  return mapping;
}

/** Fields worth showing for a kind: classes only for pupils, children only for parents. */
export function fieldsFor(kind: ImportKind): MappingField[] {
  return MAPPING_FIELDS.filter((f) => (f === 'child_import_id' ? kind === 'parents' : f === 'class' ? kind === 'pupils' : true));
}

export function MappingProfile(props: {
  kind: ImportKind;
  detected: ColumnMapping | null;
  headers: string[];
  onSaved: () => void;
}) {
  const { t } = useI18n();
  // undefined: not asked yet; null: nothing saved (404).
  const [saved, setSaved] = useState<ColumnMapping | null | undefined>(undefined);
  const [form, setForm] = useState<Form>(mappingToForm(null));
  const [dirty, setDirty] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [open, setOpen] = useState(false);

  useEffect(() => {
    if (!open || saved !== undefined) return;
    loadProfile(props.kind).then(
      (m) => {
        setSaved(m);
        if (!dirty) setForm(mappingToForm(m ?? props.detected));
      },
      setError,
    );
  }, [open]);

  // Without a saved profile, follow the mapping the latest preview detected.
  useEffect(() => {
    if (saved === null && !dirty && props.detected) setForm(mappingToForm(props.detected));
  }, [props.detected, saved]);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const m = await saveProfile(props.kind, formToMapping(form));
      setSaved(m);
      setForm(mappingToForm(m));
      setDirty(false);
      setNotice(t('mapping.saved'));
      props.onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const listId = `headers-${props.kind}`;
  return (
    <details class="card disclosure" data-testid="mapping-profile" onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
      <summary>
        <h2>{t('mapping.title')}</h2>
        <span class="muted small">{t('mapping.summary', { kind: t(`import.kind.${props.kind}`) })}</span>
      </summary>
      <form onSubmit={submit} class="mapping-form">
        <p class="small muted">
          {saved === undefined
            ? t('app.loading')
            : saved
              ? t('mapping.fromProfile')
              : props.detected
                ? t('mapping.noneDetected')
                : t('mapping.none')}
        </p>
        <ErrorBox error={error} />
        <datalist id={listId}>
          {props.headers.map((h) => (
            <option key={h} value={h} />
          ))}
        </datalist>
        <div class="form-grid">
          {fieldsFor(props.kind).map((f) => {
            const required = REQUIRED_MAPPING_FIELDS.includes(f) || (f === 'class' && props.kind === 'pupils');
            return (
              <div class="field" key={f}>
                <label for={`map-${f}`}>
                  {t(`import.field.${f}`)}
                  {!required && <span class="muted optional"> {t('mapping.optional')}</span>}
                </label>
                <input
                  id={`map-${f}`}
                  list={listId}
                  required={required}
                  autocomplete="off"
                  value={form[f]}
                  onInput={(e) => {
                    const v = e.currentTarget.value;
                    setForm((old) => ({ ...old, [f]: v }));
                    setDirty(true);
                  }}
                />
              </div>
            );
          })}
        </div>
        {notice && <Notice>{notice}</Notice>}
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled={busy || saved === undefined}>
            {t('mapping.save')}
          </button>
        </div>
      </form>
    </details>
  );
}
