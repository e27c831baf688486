// The apply step of an import: progress bar from the NDJSON stream, then result and credentials sheet links.
import { useState } from 'preact/hooks';
import { ErrorBox, Link, Notice } from '../components';
import { useI18n } from '../i18n';
import { credentialsUrl, discardCredentials, type ApplyResult, type ImportKind } from '../importApi';
import { summaryItems } from '../importSummary';

export interface RunState {
  phase: 'uploading' | 'running' | 'done' | 'failed';
  done: number;
  total: number;
  result?: ApplyResult;
  error?: unknown;
}

/** Whole percent of done/total, 0 while the total is unknown, at most 100. */
export function percent(done: number, total: number): number {
  if (total <= 0) return 0;
  return Math.min(100, Math.max(0, Math.floor((done / total) * 100)));
}

export function RunView({ run, kind, onStartOver }: { run: RunState; kind: ImportKind; onStartOver: () => void }) {
  const { t } = useI18n();
  const finished = run.phase === 'done' || run.phase === 'failed';
  return (
    <section class="card" aria-labelledby="import-run-title" data-testid="import-run">
      <h2 id="import-run-title">{t('import.runTitle')}</h2>
      <div class={`progress-box ${run.phase}`} data-testid="import-progress" data-phase={run.phase}>
        <div class="progress-label">
          <span>
            {run.phase === 'uploading'
              ? t('import.uploading')
              : run.phase === 'running'
                ? t('import.running')
                : run.phase === 'done'
                  ? t('import.finished')
                  : t('import.failed')}
          </span>
          {run.total > 0 && run.phase !== 'failed' && (
            <span class="muted" data-testid="import-progress-text">
              {run.phase === 'done'
                ? '100 %'
                : `${t('import.progress', { done: run.done, total: run.total })} · ${percent(run.done, run.total)} %`}
            </span>
          )}
        </div>
        {run.phase === 'uploading' ? (
          <progress aria-label={t('import.uploading')} />
        ) : (
          <progress aria-label={t('import.runTitle')} max={run.total || 1} value={run.phase === 'failed' ? run.done : Math.min(run.done, run.total || 1)} />
        )}
      </div>

      {run.phase === 'failed' && (
        <>
          <ErrorBox error={run.error} />
          <p class="small muted">{t('import.failedHint')}</p>
        </>
      )}
      {run.phase === 'done' && run.result && <RunResult result={run.result} kind={kind} />}
      {finished && (
        <div class="form-actions">
          <button type="button" class="btn" onClick={onStartOver}>
            {t('import.again')}
          </button>
        </div>
      )}
    </section>
  );
}

function RunResult({ result, kind }: { result: ApplyResult; kind: ImportKind }) {
  const { t } = useI18n();
  const [discarded, setDiscarded] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const items = summaryItems(result.summary, t).filter((i) => i.change);

  const discard = async () => {
    setError(null);
    try {
      await discardCredentials(result.run_id);
      setDiscarded(true);
    } catch (err) {
      setError(err);
    } finally {
      setConfirming(false);
    }
  };

  return (
    <div class="stack" data-testid="import-result">
      <Notice>
        <strong>{t('import.done')}</strong> {items.map((i) => i.text).join(' · ')}
      </Notice>
      {kind === 'pupils' && result.summary.creates > 0 && (
        <p class="small">
          {t('import.restrictedHint')} <Link href="/admin/consents">{t('import.toConsents')}</Link>
        </p>
      )}
      {result.unresolved_links.length > 0 && (
        <div class="alert alert-warn" data-testid="unresolved-links">
          <strong>{t('import.unresolved', { n: result.unresolved_links.length })}</strong>
          <ul class="plain-list">
            {result.unresolved_links.map((l) => (
              <li key={`${l.parent_import_id}-${l.child_import_id}`}>
                <code>{l.parent_import_id}</code> → <code>{l.child_import_id}</code>
              </li>
            ))}
          </ul>
        </div>
      )}

      {result.credentials > 0 && (
        <div class="credentials-box" data-testid="credentials">
          <h3>{t('import.credentialsTitle')}</h3>
          {discarded ? (
            <p class="muted" data-testid="credentials-discarded">
              {t('import.credentialsDiscarded')}
            </p>
          ) : (
            <>
              <p class="small">{t('import.credentialsHint', { n: result.credentials })}</p>
              <div class="row">
                <a
                  class="btn btn-primary"
                  href={credentialsUrl(result.run_id, 'html')}
                  target="_blank"
                  rel="noopener"
                  data-testid="credentials-html"
                >
                  {t('import.credentialsHtml')}
                </a>
                <a class="btn" href={credentialsUrl(result.run_id, 'csv')} download="zugangsdaten.csv" data-testid="credentials-csv">
                  {t('import.credentialsCsv')}
                </a>
                {confirming ? (
                  <span class="confirm">
                    <span>{t('import.discardConfirm')}</span>
                    <button type="button" class="btn btn-danger btn-small" onClick={discard}>
                      {t('import.discardYes')}
                    </button>
                    <button type="button" class="btn btn-small" onClick={() => setConfirming(false)}>
                      {t('common.cancel')}
                    </button>
                  </span>
                ) : (
                  <button type="button" class="btn btn-danger-outline" onClick={() => setConfirming(true)} data-testid="credentials-discard">
                    {t('import.discard')}
                  </button>
                )}
              </div>
            </>
          )}
          <ErrorBox error={error} />
        </div>
      )}
    </div>
  );
}
