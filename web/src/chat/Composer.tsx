// The message composer of an open room: reply banner, muted notice, Enter to send, character counter.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Message } from '../chatApi';
import { checkComposer, MAX_MESSAGE_CHARS } from '../chatLogic';
import { useI18n } from '../i18n';

export function Composer(props: {
  disabled: boolean;
  muted: boolean;
  replyTo: Message | null;
  onCancelReply: () => void;
  onSend: (text: string) => Promise<boolean>;
  onTyping: () => void;
}) {
  const { t } = useI18n();
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLTextAreaElement>(null);
  const check = checkComposer(text);

  useEffect(() => {
    if (props.replyTo) input.current?.focus();
  }, [props.replyTo]);

  const submit = async () => {
    if (busy || check.empty || check.tooLong) return;
    setBusy(true);
    const ok = await props.onSend(text.trim());
    setBusy(false);
    if (ok) setText('');
    input.current?.focus();
  };

  return (
    <form
      class="composer"
      data-testid="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      {props.muted && (
        <p class="composer-muted" role="status" data-testid="muted-notice">
          {t('chat.mutedNotice')}
        </p>
      )}
      {props.replyTo && (
        <div class="composer-reply" data-testid="reply-banner">
          <span class="small">
            {t('chat.replyingTo', { name: props.replyTo.sender_name })}: <em>{props.replyTo.text.slice(0, 120)}</em>
          </span>
          <button type="button" class="btn btn-link btn-small" onClick={props.onCancelReply}>
            {t('common.cancel')}
          </button>
        </div>
      )}
      <div class="composer-row">
        <label for="composer-input" class="sr-only">
          {t('chat.composerLabel')}
        </label>
        <textarea
          id="composer-input"
          ref={input}
          rows={2}
          value={text}
          disabled={props.disabled}
          placeholder={props.disabled ? t('chat.composerDisabled') : t('chat.composerPlaceholder')}
          aria-describedby="composer-hint"
          aria-invalid={check.tooLong}
          data-testid="composer-input"
          onInput={(e) => {
            setText(e.currentTarget.value);
            if (e.currentTarget.value.trim()) props.onTyping();
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
              e.preventDefault();
              void submit();
            }
          }}
        />
        <button type="submit" class="btn btn-primary" disabled={props.disabled || busy || check.empty || check.tooLong} data-testid="send-button">
          {t('chat.send')}
        </button>
      </div>
      <div class="composer-foot">
        <span id="composer-hint" class="muted small">
          {t('chat.composerHint')}
        </span>
        <span class={check.tooLong ? 'counter over' : 'counter'} data-testid="composer-counter" aria-live="polite">
          {check.showCounter || check.tooLong ? t('chat.counter', { n: check.count, max: MAX_MESSAGE_CHARS }) : ''}
        </span>
      </div>
    </form>
  );
}
