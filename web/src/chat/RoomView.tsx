// The open room: header with members and mute, polls, the message history with live updates over the hub,
// typing hints, read markers and the composer.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Me } from '../api';
import { chatApi, eventName, type ChatEvent, type Message, type Room, type RoomDetail } from '../chatApi';
import { mayPublishTyping, missingSeqs, newestSeq, roomAfterSettings, typingActive, typingSeen, typingStopped, type TypingMap } from '../chatLogic';
import { Badge, ErrorBox, Link, Loading, useNow } from '../components';
import { hub, useTopic, type TopicHandler } from '../hub';
import { useI18n } from '../i18n';
import { PollSection } from '../pages/Polls';
import { Composer } from './Composer';
import { MembersPanel } from './dialogs';
import { roomTitle } from './format';
import { MessageItem } from './MessageItem';
import { useRoomHistory } from './useRoomHistory';

interface RoomViewProps {
  me: Me;
  roomId: string;
  visible: boolean;
  pollsEnabled: boolean;
  onRead: (roomId: string, seq: number) => void;
  onRoomChanged: (room: Room) => void;
  onLeft: () => void;
}

export function RoomView({ me, roomId, visible, pollsEnabled, onRead, onRoomChanged, onLeft }: RoomViewProps) {
  const { t } = useI18n();
  const meId = me.user.id;
  const [room, setRoom] = useState<RoomDetail | null>(null);
  const [roomError, setRoomError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  const [typing, setTyping] = useState<TypingMap>(new Map());
  const [showMembers, setShowMembers] = useState(false);
  const [pollReload, setPollReload] = useState(0);
  const [gone, setGone] = useState(false);

  const loadRoom = useCallback(() => {
    chatApi.room(roomId).then(
      (r) => {
        setRoom(r);
        setRoomError(null);
        onRoomChanged(r);
      },
      (e) => setRoomError(e),
    );
  }, [roomId, onRoomChanged]);
  useEffect(loadRoom, [loadRoom]);

  const history = useRoomHistory(roomId);
  const { messages, hasMore, loaded, loadingOlder, catchUp } = history;

  // Live events of this room.
  const handler: TopicHandler = {
    message: (body, frame) => {
      const ev = body as ChatEvent;
      switch (eventName(body)) {
        case 'message': {
          if (!('message' in ev)) return;
          history.add(ev.message);
          const sender = ev.message.sender_id;
          if (sender) setTyping((m) => typingStopped(m, sender));
          break;
        }
        case 'updated':
          if ('message' in ev) history.update(ev.message);
          break;
        case 'room':
          if ('room' in ev) setRoom((r) => (r ? roomAfterSettings(r, ev.room) : r));
          break;
        case 'members':
          loadRoom();
          break;
        case 'poll':
          setPollReload((n) => n + 1);
          break;
        case 'typing':
          if (frame.from && frame.from !== meId) setTyping((m) => typingSeen(m, frame.from, Date.now()));
          break;
      }
    },
    subscribed: () => void catchUp(),
    resync: () => {
      void catchUp();
      loadRoom();
      setPollReload((n) => n + 1);
    },
    error: (err) => setRoomError(err),
    unsubscribed: () => {
      setGone(true);
    },
  };
  useTopic(`chat:${roomId}`, handler);

  // Mark as read while the room is visible.
  const newest = newestSeq(messages);
  const readSent = useRef(0);
  useEffect(() => {
    if (!visible || !loaded || newest <= readSent.current) return;
    const timer = setTimeout(() => {
      const seq = newest;
      readSent.current = Math.max(readSent.current, seq);
      chatApi.markRead(roomId, seq).then(
        (r) => onRead(roomId, r.read_seq),
        () => {
          readSent.current = 0;
        },
      );
      onRead(roomId, seq);
    }, 300);
    return () => clearTimeout(timer);
  }, [visible, loaded, newest, roomId, onRead]);

  const now = useNow(1000, typing.size > 0);
  const typingIds = typingActive(typing, now);
  const memberName = (id: string) => room?.members.find((m) => m.id === id)?.display_name ?? t('chat.someone');

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

  const lastTyping = useRef<number | null>(null);
  const onTyping = () => {
    const n = Date.now();
    if (!mayPublishTyping(lastTyping.current, n)) return;
    lastTyping.current = n;
    hub()
      .publish(`chat:${roomId}`, { event: 'typing' })
      .catch(() => {
        // Typing hints are best effort (muted room, connection gone).
      });
  };

  const toggleMute = () =>
    run(async () => {
      if (!room) return;
      const r = await chatApi.setMuted(roomId, !room.muted);
      setRoom((cur) => (cur ? { ...cur, ...r, members: cur.members } : cur));
      onRoomChanged(r);
    });

  if (gone || (roomError && !room)) {
    return (
      <div class="room-view" data-testid="room-view">
        <ErrorBox error={roomError} />
        {gone && <p class="empty">{t('chat.gone')}</p>}
        <p>
          <Link href="/chat" class="btn">
            {t('chat.backToList')}
          </Link>
        </p>
      </div>
    );
  }

  const missing = missingSeqs(messages).length;
  const canWrite = room ? room.can_write && !(room.muted && !room.moderator) : false;

  return (
    <div class="room-view" data-testid="room-view" data-room-id={roomId}>
      <header class="room-head">
        <Link href="/chat" class="btn btn-ghost btn-small room-back">
          {t('chat.back')}
        </Link>
        <div class="room-head-text">
          <h2 data-testid="room-title">{room ? roomTitle(room) : '…'}</h2>
          {room && (
            <span class="muted small">
              {t(`chat.kind.${room.kind}`)} · {room.member_count === 1 ? t('dash.memberCountOne') : t('dash.memberCount', { n: room.member_count })}
              {room.muted && (
                <>
                  {' · '}
                  <Badge kind="muted">{t('chat.muted')}</Badge>
                </>
              )}
            </span>
          )}
        </div>
        {room && (
          <div class="row room-actions">
            <button type="button" class="btn btn-small" aria-expanded={showMembers} onClick={() => setShowMembers((s) => !s)} data-testid="toggle-members">
              {t('chat.members')}
            </button>
            {room.moderator && (
              <button type="button" class="btn btn-small" onClick={toggleMute} data-testid="mute-toggle" aria-pressed={room.muted}>
                {room.muted ? t('chat.unmute') : t('chat.mute')}
              </button>
            )}
          </div>
        )}
      </header>
      <ErrorBox error={roomError} />

      {room && showMembers && <MembersPanel room={room} meId={meId} onChanged={loadRoom} onLeft={onLeft} />}

      {room && pollsEnabled && room.kind !== 'direct' && (
        <PollSection me={me} where={{ room_id: roomId }} canCreate={room.moderator} reloadKey={pollReload} compact />
      )}

      <div class="chat-messages" ref={history.scroller} onScroll={history.onScroll} data-testid="message-list" role="log" aria-label={room ? roomTitle(room) : undefined} aria-live="polite" aria-relevant="additions" tabIndex={0}>
        {hasMore && (
          <div class="load-older">
            <button type="button" class="btn btn-link btn-small" onClick={() => void history.loadOlder()} disabled={loadingOlder} data-testid="load-older">
              {loadingOlder ? t('app.loading') : t('chat.loadOlder')}
            </button>
          </div>
        )}
        <ErrorBox error={history.error} />
        {!loaded && !history.error ? (
          <Loading />
        ) : messages.length === 0 ? (
          <p class="empty">{t('chat.noMessages')}</p>
        ) : (
          <ul class="msg-list">
            {messages.map((m) => (
              <MessageItem
                key={m.id}
                msg={m}
                me={me}
                moderator={!!room?.moderator}
                onReply={() => setReplyTo(m)}
                onRun={run}
              />
            ))}
          </ul>
        )}
        {missing > 0 && <p class="muted small center">{t('chat.gap')}</p>}
      </div>

      <div class="typing" data-testid="typing" aria-live="polite">
        {typingIds.length === 1
          ? t('chat.typingOne', { name: memberName(typingIds[0]!) })
          : typingIds.length === 2
            ? t('chat.typingTwo', { a: memberName(typingIds[0]!), b: memberName(typingIds[1]!) })
            : typingIds.length > 2
              ? t('chat.typingMany')
              : ''}
      </div>

      <ErrorBox error={actionError} />
      {room && (
        <Composer
          key={roomId}
          disabled={!canWrite}
          muted={room.muted && !room.moderator}
          replyTo={replyTo}
          onCancelReply={() => setReplyTo(null)}
          onSend={send}
          onTyping={onTyping}
        />
      )}
    </div>
  );
}
