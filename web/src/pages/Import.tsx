// Admin page "Import": choose kind and file, preview the plan (dry run), apply it with live progress.
import { useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { ErrorBox } from '../components';
import { useI18n } from '../i18n';
import { applyImport, IMPORT_KINDS, previewImport, type ApplyResult, type ImportKind, type ImportPreview } from '../importApi';
import { planHasChanges } from '../importSummary';
import { PreviewView } from './ImportPreview';
import { MappingProfile } from './ImportProfile';
import { RunView, type RunState } from './ImportRun';

/** Human file size: "812 B", "3,4 KB", "1,2 MB" (German decimal comma for 'de'). */
export function formatBytes(bytes: number, lang: string): string {
  const fmt = (n: number) => n.toLocaleString(lang === 'de' ? 'de-DE' : 'en-GB', { maximumFractionDigits: 1 });
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${fmt(bytes / 1024)} KB`;
  return `${fmt(bytes / (1024 * 1024))} MB`;
}

export function Import() {
  const { t, lang } = useI18n();
  const [kind, setKind] = useState<ImportKind>('pupils');
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [run, setRun] = useState<RunState | null>(null);
  const [stale, setStale] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);

  const forget = () => {
    setPreview(null);
    setError(null);
    setRun(null);
    setStale(false);
  };

  const loadPreview = async (e: Event) => {
    e.preventDefault();
    if (!file) return;
    forget();
    setBusy(true);
    try {
      setPreview(await previewImport(kind, file));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const apply = async () => {
    if (!file) return;
    setError(null);
    setRun({ phase: 'uploading', done: 0, total: 0 });
    try {
      const result: ApplyResult = await applyImport(kind, file, (done, total) =>
        setRun({ phase: 'running', done, total }),
      );
      setRun((r) => {
        const total = r && r.total > 0 ? r.total : 1;
        return { phase: 'done', done: total, total, result };
      });
    } catch (err) {
      setRun((r) => ({ phase: 'failed', done: r?.done ?? 0, total: r?.total ?? 0, error: err }));
    }
  };

  const startOver = () => {
    forget();
    setFile(null);
    if (fileInput.current) fileInput.current.value = '';
  };

  const running = run?.phase === 'uploading' || run?.phase === 'running';
  const applied = run?.phase === 'done';
  // After an apply the form stays locked, so the result and its credential links are not lost by
  // accident; "Weitere Datei importieren" unlocks it.
  const locked = running || applied;
  const step = applied ? 4 : preview ? 2 : 1;
  const canApply = preview !== null && planHasChanges(preview.summary) && !stale && !run;

  return (
    <div class="page" data-testid="import-page">
      <header class="page-head">
        <h1>{t('import.title')}</h1>
        <p class="muted">{t('import.intro')}</p>
      </header>

      <ol class="stepper" aria-label={t('import.steps')}>
        {(['import.step1', 'import.step2', 'import.step3'] as const).map((key, i) => (
          <li key={key} class={i + 1 < step ? 'done' : i + 1 === step ? 'current' : ''} aria-current={i + 1 === step ? 'step' : undefined}>
            <span class="step-no">{i + 1}</span>
            {t(key)}
          </li>
        ))}
      </ol>

      <section class="card" aria-labelledby="import-file-title">
        <h2 id="import-file-title">{t('import.fileTitle')}</h2>
        <form class="import-form" onSubmit={loadPreview} data-testid="import-form">
          <div class="field">
            <label for="import-kind">{t('import.kind')}</label>
            <select
              id="import-kind"
              value={kind}
              disabled={locked}
              onChange={(e) => {
                setKind(e.currentTarget.value as ImportKind);
                forget();
              }}
            >
              {IMPORT_KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`import.kind.${k}`)}
                </option>
              ))}
            </select>
          </div>
          <div class="field grow">
            <label for="import-file">{t('import.file')}</label>
            <input
              id="import-file"
              ref={fileInput}
              type="file"
              accept=".csv,.txt,text/csv,text/plain"
              disabled={locked}
              onChange={(e) => {
                setFile(e.currentTarget.files?.[0] ?? null);
                forget();
              }}
            />
          </div>
          <button type="submit" class="btn btn-primary" disabled={!file || busy || locked}>
            {busy ? t('import.previewBusy') : t('import.preview')}
          </button>
        </form>
        <p class="small muted form-hint">
          {file ? t('import.chosen', { name: file.name, size: formatBytes(file.size, lang) }) : t('import.fileHint')}
        </p>
        <ErrorBox error={error} />
        {error instanceof ApiError && error.code === 'import_file_invalid' && (
          <p class="small muted">{t('import.mappingTip')}</p>
        )}
      </section>

      {preview && !applied && (
        <PreviewView preview={preview}>
          {stale ? (
            <p class="alert alert-warn">{t('import.stale')}</p>
          ) : planHasChanges(preview.summary) ? (
            <div class="apply-bar" data-testid="apply-bar">
              <div>
                <strong>{t('import.applyTitle')}</strong>
                <p class="small muted">{t('import.applyHint')}</p>
              </div>
              <button type="button" class="btn btn-primary btn-large" disabled={!canApply} onClick={apply}>
                {t('import.apply')}
              </button>
            </div>
          ) : null}
        </PreviewView>
      )}

      {run && <RunView run={run} kind={kind} onStartOver={startOver} />}

      <MappingProfile
        key={kind}
        kind={kind}
        detected={preview?.file.mapping ?? null}
        headers={preview?.file.headers ?? []}
        onSaved={() => preview && !run && setStale(true)}
      />
    </div>
  );
}
