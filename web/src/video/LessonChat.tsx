// The lesson's "Chat" panel: the class room of the lesson's class or course (its ID is the group's ID,
// docs/messenger.md), shown with the messenger's own pieces — history (useRoomHistory), live messages on
// `chat:<room>`, MessageItem and Composer. It stays mounted for the whole lesson (only the panel is drawn when
// open), so the control bar can count messages that came while it was closed; it reports itself unavailable
// (the panel disappears) when the messenger is off (403 module_disabled) or the room is not mine.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Me } from '../api';
import { Composer } from '../chat/Composer';
import { MessageItem } from '../chat/MessageItem';
import { useRoomHistory } from '../chat/useRoomHistory';
import { chatApi, eventName, type ChatEvent, type Message, type RoomDetail } from '../chatApi';
import { newestSeq, roomAfterSettings } from '../chatLogic';
import { ErrorBox, Loading } from '../components';
import { useTopic } from '../hub';
import { useI18n } from '../i18n';
import { panelUnavailable, unreadSince } from './extras';

interface Props {
  me: Me;
  roomId: string;
  open: boolean;
  onUnread: (n: number) => void;
  onUnavailable: () => void;
}

export function LessonChat(props: Props) {
  const { t } = useI18n();
  const { roomId, open, onUnavailable } = props;
  const [room, setRoom] = useState<RoomDetail | null>(null);
  const [error, setError] = useState<unknown>(null);

  // The room first: it makes the class room on first use and tells whether the messenger is on for me.
  const load = useCallback(() => {
    chatApi.room(roomId).then(
      (r) => {
        setRoom(r);
        setError(null);
      },
      (err) => (panelUnavailable(err) ? onUnavailable() : setError(err)),
    );
  }, [roomId, onUnavailable]);
  useEffect(load, [load]);

  if (room) return <RoomPanel {...props} room={room} setRoom={setRoom} reload={load} />;
  if (!open) return null;
  return (
    <aside class="vpanel lesson-chat" data-testid="video-chat">
      <h2>{t('video.chat.title')}</h2>
      {error ? <ErrorBox error={error} /> : <Loading />}
    </aside>
  );
}

function RoomPanel(props: Props & { room: RoomDetail; setRoom: (fn: (r: RoomDetail | null) => RoomDetail | null) => void; reload: () => void }) {
  const { me, roomId, open, room, setRoom, reload, onUnread, onUnavailable } = props;
  const { t } = useI18n();
  const meId = me.user.id;
  const history = useRoomHistory(roomId);
  const { messages, loaded } = history;
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);

  useTopic(`chat:${roomId}`, {
    message: (body) => {
      const ev = body as ChatEvent;
      switch (eventName(body)) {
        case 'message':
          if ('message' in ev) history.add(ev.message);
          break;
        case 'updated':
          if ('message' in ev) history.update(ev.message);
          break;
        case 'room':
          if ('room' in ev) setRoom((r) => (r ? roomAfterSettings(r, ev.room) : r));
          break;
        case 'members':
          reload();
          break;
      }
    },
    subscribed: () => void history.catchUp(),
    resync: () => {
      void history.catchUp();
      reload();
    },
    error: (err) => (panelUnavailable(err) ? onUnavailable() : setActionError(err)),
    unsubscribed: () => onUnavailable(),
  });

  // New messages of others count from what was there when the lesson started, or when the panel was last open.
  const newest = newestSeq(messages);
  const [seen, setSeen] = useState(room.last_seq);
  useEffect(() => {
    if (open && newest > seen) setSeen(newest);
  }, [open, newest, seen]);
  const unread = open ? 0 : unreadSince(messages, seen, meId);
  useEffect(() => onUnread(unread), [unread, onUnread]);

  // Read markers move while the panel is open, as in the messenger (best effort).
  const readSent = useRef(room.read_seq);
  useEffect(() => {
    if (!open || !loaded || newest <= readSent.current) return;
    const timer = setTimeout(() => {
      readSent.current = newest;
      chatApi.markRead(roomId, newest).catch(() => {});
    }, 300);
    return () => clearTimeout(timer);
  }, [open, loaded, newest, roomId]);

  // The list was not drawn while closed: show the newest messages on opening.
  useLayoutEffect(() => {
    const el = history.scroller.current;
    if (open && el) el.scrollTop = el.scrollHeight;
  }, [open]);

  if (!open) return null;

  const run = async (action: () => Promise<Message | void>) => {
    setActionError(null);
    try {
      const msg = await action();
      if (msg) history.update(msg);
    } catch (err) {
      setActionError(err);
    }
  };

  const send = async (text: string): Promise<boolean> => {
    setActionError(null);
    try {
      const msg = await chatApi.send(roomId, text, replyTo?.id);
      history.stickToBottom();
      history.add(msg);
      setReplyTo(null);
      return true;
    } catch (err) {
      setActionError(err);
      if (err instanceof ApiError && err.code === 'room_muted') setRoom((r) => (r ? roomAfterSettings(r, { muted: true, title: r.title }) : r));
      return false;
    }
  };

  const canWrite = room.can_write && !(room.muted && !room.moderator);
  return (
    <aside class="vpanel lesson-chat" data-testid="video-chat" data-room-id={roomId}>
      <h2>{t('video.chat.title')}</h2>
      <div class="chat-messages" ref={history.scroller} onScroll={history.onScroll} data-testid="message-list" role="log" aria-label={t('video.chat.title')} aria-live="polite" aria-relevant="additions" tabIndex={0}>
        {history.hasMore && (
          <div class="load-older">
            <button type="button" class="btn btn-link btn-small" onClick={() => void history.loadOlder()} disabled={history.loadingOlder}>
              {history.loadingOlder ? t('app.loading') : t('chat.loadOlder')}
            </button>
          </div>
        )}
        <ErrorBox error={history.error} />
        {!loaded && !history.error ? (
          <Loading />
        ) : messages.length === 0 ? (
          <p class="empty">{t('video.chat.empty')}</p>
        ) : (
          <ul class="msg-list">
            {messages.map((m) => (
              <MessageItem key={m.id} msg={m} me={me} moderator={room.moderator} onReply={() => setReplyTo(m)} onRun={run} />
            ))}
          </ul>
        )}
      </div>
      <ErrorBox error={actionError} />
      <Composer disabled={!canWrite} muted={room.muted && !room.moderator} replyTo={replyTo} onCancelReply={() => setReplyTo(null)} onSend={send} onTyping={() => {}} />
    </aside>
  );
}
