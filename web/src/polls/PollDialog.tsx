// The dialog that creates a quick poll: question, 2–10 options, single or multiple choice, anonymous,
// hidden results, optional countdown; saved as a draft or started at once.
import { useState } from 'preact/hooks';
import { pollApi, type Poll, type PollInput, type PollWhere } from '../chatApi';
import { ErrorBox, Modal } from '../components';
import { useI18n } from '../i18n';
import { draftProblem, draftToInput, emptyDraft, MAX_DURATION, MAX_OPTIONS, MIN_DURATION, MIN_OPTIONS, type PollDraft } from '../pollLogic';

export function PollDialog({ where, onClose, onCreated }: { where: PollWhere; onClose: () => void; onCreated: (p: Poll) => void }) {
  const { t } = useI18n();
  const [d, setD] = useState<PollDraft>(emptyDraft);
  const [error, setError] = useState<unknown>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<PollDraft>) => {
    setProblem(null);
    setD((cur) => ({ ...cur, ...patch }));
  };
  const setOption = (i: number, value: string) => set({ options: d.options.map((o, j) => (j === i ? value : o)) });

  const submit = async (open: boolean) => {
    const p = draftProblem(d);
    if (p) {
      setProblem(t(p, { min: MIN_OPTIONS, max: MAX_OPTIONS, dmin: MIN_DURATION, dmax: MAX_DURATION }));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const input: PollInput = draftToInput(d, where, open);
      onCreated(await pollApi.create(input));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title={t('poll.create')} onClose={onClose} data-testid="poll-dialog" wide>
      <form
        class="poll-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit(true);
        }}
      >
        <div class="field">
          <label for="poll-question">{t('poll.question')}</label>
          <textarea id="poll-question" rows={2} maxLength={500} value={d.question} onInput={(e) => set({ question: e.currentTarget.value })} data-testid="poll-question-input" />
        </div>
        <fieldset class="poll-options-edit">
          <legend>{t('poll.options')}</legend>
          {d.options.map((o, i) => (
            <div key={i} class="option-row">
              <label class="sr-only" for={`poll-opt-${i}`}>
                {t('poll.optionN', { n: i + 1 })}
              </label>
              <input
                id={`poll-opt-${i}`}
                maxLength={200}
                value={o}
                placeholder={t('poll.optionN', { n: i + 1 })}
                onInput={(e) => setOption(i, e.currentTarget.value)}
                data-testid="poll-option-input"
              />
              {d.options.length > MIN_OPTIONS && (
                <button
                  type="button"
                  class="btn btn-ghost btn-small"
                  aria-label={t('poll.removeOption', { n: i + 1 })}
                  onClick={() => set({ options: d.options.filter((_, j) => j !== i) })}
                >
                  ×
                </button>
              )}
            </div>
          ))}
          {d.options.length < MAX_OPTIONS && (
            <button type="button" class="btn btn-small" onClick={() => set({ options: [...d.options, ''] })} data-testid="poll-add-option">
              {t('poll.addOption')}
            </button>
          )}
        </fieldset>
        <fieldset class="poll-settings">
          <legend>{t('poll.settings')}</legend>
          <label class="check">
            <input type="radio" name="poll-multiple" checked={!d.multiple} onChange={() => set({ multiple: false })} />
            {t('poll.single')}
          </label>
          <label class="check">
            <input type="radio" name="poll-multiple" checked={d.multiple} onChange={() => set({ multiple: true })} />
            {t('poll.multiple')}
          </label>
          <label class="check">
            <input type="checkbox" checked={d.anonymous} onChange={(e) => set({ anonymous: e.currentTarget.checked })} />
            {t('poll.anonymousLong')}
          </label>
          <label class="check">
            <input type="checkbox" checked={d.hideResults} onChange={(e) => set({ hideResults: e.currentTarget.checked })} />
            {t('poll.hideResultsLong')}
          </label>
          <div class="field">
            <label for="poll-duration">{t('poll.duration')}</label>
            <input
              id="poll-duration"
              type="number"
              inputMode="numeric"
              min={MIN_DURATION}
              max={MAX_DURATION}
              step={1}
              value={d.duration}
              placeholder={t('poll.durationPlaceholder')}
              onInput={(e) => set({ duration: e.currentTarget.value })}
              data-testid="poll-duration"
            />
          </div>
        </fieldset>
        {problem && (
          <div class="alert alert-error" role="alert" data-testid="error">
            {problem}
          </div>
        )}
        <ErrorBox error={error} />
        <div class="form-actions">
          <button type="button" class="btn" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="button" class="btn" disabled={busy} onClick={() => submit(false)} data-testid="poll-save-draft">
            {t('poll.saveDraft')}
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="poll-start">
            {t('poll.startNow')}
          </button>
        </div>
      </form>
    </Modal>
  );
}
