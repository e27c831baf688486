// One message in an open room: sender and time, quote, mentions, reactions, and its actions (reply, react,
// edit and delete for the sender, delete for moderators).
import { useState } from 'preact/hooks';
import type { Me } from '../api';
import { chatApi, type Message } from '../chatApi';
import { checkComposer, MAX_MESSAGE_CHARS, REACTION_EMOJI, reactionTurnsOn, splitMentions } from '../chatLogic';
import { formatDateTime, useI18n } from '../i18n';
import { messageTime } from './format';

export function MessageItem(props: {
  msg: Message;
  me: Me;
  moderator: boolean;
  onReply: () => void;
  onRun: (action: () => Promise<Message | void>) => Promise<void>;
}) {
  const { msg: m, me, moderator, onReply, onRun } = props;
  const { t, lang } = useI18n();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(m.text);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [picker, setPicker] = useState(false);
  const mine = m.sender_id === me.user.id;
  const mentionsMe = (m.mentions ?? []).includes(me.user.id);
  const now = Date.now();
  const check = checkComposer(draft);

  const saveEdit = async (e: Event) => {
    e.preventDefault();
    if (check.empty || check.tooLong) return;
    await onRun(() => chatApi.edit(m.id, draft.trim()));
    setEditing(false);
  };

  const react = (emoji: string) => {
    setPicker(false);
    void onRun(() => chatApi.react(m.id, emoji, reactionTurnsOn(m, emoji, me.user.id)));
  };

  const cls = ['msg'];
  if (mine) cls.push('msg-mine');
  if (mentionsMe && !m.deleted) cls.push('msg-mention');
  if (m.deleted) cls.push('msg-is-deleted');

  return (
    <li class={cls.join(' ')} data-testid="message" data-seq={m.seq} data-id={m.id} data-sender={m.sender_name} data-deleted={m.deleted ? 'true' : 'false'}>
      <div class="msg-head">
        <strong class="msg-sender">{mine ? t('chat.you') : m.sender_name}</strong>
        <time class="muted small" dateTime={new Date(m.created_at).toISOString()} title={formatDateTime(lang, m.created_at)}>
          {messageTime(lang, m.created_at, now)}
        </time>
        {m.edited_at && !m.deleted && (
          <span class="muted small msg-edited" data-testid="message-edited">
            ({t('chat.edited')})
          </span>
        )}
      </div>
      {m.reply_to && !m.deleted && (
        <blockquote class="msg-quote small">
          <strong>{m.reply_to.sender_name}</strong>: {m.reply_to.text}
        </blockquote>
      )}
      {editing ? (
        <form class="msg-edit" onSubmit={saveEdit}>
          <label class="sr-only" for={`edit-${m.id}`}>
            {t('chat.editLabel')}
          </label>
          <textarea id={`edit-${m.id}`} rows={2} value={draft} onInput={(e) => setDraft(e.currentTarget.value)} data-testid="edit-input" />
          <div class="row">
            <button type="submit" class="btn btn-primary btn-small" disabled={check.empty || check.tooLong}>
              {t('chat.save')}
            </button>
            <button type="button" class="btn btn-small" onClick={() => setEditing(false)}>
              {t('common.cancel')}
            </button>
            {check.showCounter && <span class={check.tooLong ? 'counter over' : 'counter'}>{t('chat.counter', { n: check.count, max: MAX_MESSAGE_CHARS })}</span>}
          </div>
        </form>
      ) : m.deleted ? (
        <p class="msg-text msg-deleted" data-testid="message-text">
          <em>{t('chat.deletedLong')}</em>
        </p>
      ) : (
        <p class="msg-text" data-testid="message-text">
          {splitMentions(m.text).map((p, i) =>
            p.mention ? (
              <mark key={i} class={p.mention === me.user.login ? 'mention mention-me' : 'mention'} data-testid="mention">
                {p.text}
              </mark>
            ) : (
              p.text
            ),
          )}
        </p>
      )}
      {!m.deleted && (m.reactions ?? []).length > 0 && (
        <div class="reactions" data-testid="reactions">
          {(m.reactions ?? []).map((r) => {
            const on = r.users.includes(me.user.id);
            return (
              <button
                key={r.emoji}
                type="button"
                class={on ? 'reaction on' : 'reaction'}
                aria-pressed={on}
                aria-label={t('chat.reactionLabel', { emoji: r.emoji, n: r.users.length })}
                onClick={() => react(r.emoji)}
                data-testid="reaction"
                data-emoji={r.emoji}
                data-count={r.users.length}
              >
                {r.emoji} <span>{r.users.length}</span>
              </button>
            );
          })}
        </div>
      )}
      {!m.deleted && !editing && (
        <div class="msg-actions">
          <button type="button" class="btn btn-link btn-small" onClick={onReply} data-testid="reply">
            {t('chat.reply')}
          </button>
          <button type="button" class="btn btn-link btn-small" aria-expanded={picker} onClick={() => setPicker((p) => !p)} data-testid="react">
            {t('chat.react')}
          </button>
          {mine && (
            <button
              type="button"
              class="btn btn-link btn-small"
              onClick={() => {
                setDraft(m.text);
                setEditing(true);
              }}
              data-testid="edit"
            >
              {t('chat.edit')}
            </button>
          )}
          {(mine || moderator) &&
            (confirmDelete ? (
              <span class="confirm">
                <span>{t('chat.confirmDelete')}</span>
                <button
                  type="button"
                  class="btn btn-danger btn-small"
                  onClick={() => {
                    setConfirmDelete(false);
                    void onRun(() => chatApi.remove(m.id));
                  }}
                  data-testid="confirm-delete"
                >
                  {t('chat.deleteYes')}
                </button>
                <button type="button" class="btn btn-small" onClick={() => setConfirmDelete(false)}>
                  {t('common.cancel')}
                </button>
              </span>
            ) : (
              <button type="button" class="btn btn-link btn-small danger-link" onClick={() => setConfirmDelete(true)} data-testid="delete">
                {t('chat.delete')}
              </button>
            ))}
        </div>
      )}
      {picker && (
        <div class="emoji-picker" role="group" aria-label={t('chat.react')} data-testid="emoji-picker">
          {REACTION_EMOJI.map((e) => (
            <button key={e} type="button" class="btn btn-ghost btn-small" onClick={() => react(e)}>
              {e}
            </button>
          ))}
        </div>
      )}
    </li>
  );
}
