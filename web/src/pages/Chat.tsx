// Module page "Messenger": room list with unread badges, search and new-chat dialogs, and the open room
// (history with infinite scroll, live messages over the hub, composer, reactions, moderation, polls).
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Me } from '../api';
import { chatApi, eventName, type ChatEvent, type Contact, type Message, type Room, type RoomDetail, type SearchResult } from '../chatApi';
import { useChatRooms } from '../chatRooms';
import {
  applyUpdate,
  checkComposer,
  MAX_MESSAGE_CHARS,
  mayPublishTyping,
  mergeMessages,
  missingSeqs,
  needsCatchUp,
  newestSeq,
  oldestSeq,
  REACTION_EMOJI,
  reactionTurnsOn,
  sortRooms,
  splitMentions,
  typingActive,
  typingSeen,
  typingStopped,
  unreadBadge,
  type TypingMap,
} from '../chatLogic';
import { Badge, ErrorBox, Link, Loading, Modal, Notice, useNow } from '../components';
import { hub, useHubState, useTopic, type TopicHandler } from '../hub';
import { formatDateTime, useI18n, type Lang } from '../i18n';
import { navigate } from '../router';
import { initials } from './Groups';
import { PollSection } from './Polls';

const PAGE = 50;

/** Room title as shown: the other person in a direct chat. */
export function roomTitle(room: Pick<Room, 'kind' | 'title' | 'other_user'>): string {
  return room.kind === 'direct' && room.other_user ? room.other_user.display_name : room.title;
}

/** Short time of a message: clock time today, else date and time. */
export function messageTime(lang: Lang, ms: number, now: number): string {
  const d = new Date(ms);
  const n = new Date(now);
  const sameDay = d.getFullYear() === n.getFullYear() && d.getMonth() === n.getMonth() && d.getDate() === n.getDate();
  if (sameDay) {
    return new Intl.DateTimeFormat(lang === 'de' ? 'de-DE' : 'en-GB', { hour: '2-digit', minute: '2-digit' }).format(d);
  }
  return formatDateTime(lang, ms);
}

function useDocumentVisible(): boolean {
  const [visible, setVisible] = useState(() => typeof document === 'undefined' || document.visibilityState !== 'hidden');
  useEffect(() => {
    const update = () => setVisible(document.visibilityState !== 'hidden');
    document.addEventListener('visibilitychange', update);
    return () => document.removeEventListener('visibilitychange', update);
  }, []);
  return visible;
}

// =============================================================================================
// Page

export function ChatPage({ me, roomId, pollsEnabled }: { me: Me; roomId: string | null; pollsEnabled: boolean }) {
  const { t } = useI18n();
  const { rooms, loadError, mentioned, loadRooms, onRead, onRoomChanged, setViewing } = useChatRooms();
  const [dialog, setDialog] = useState<'direct' | 'group' | null>(null);
  const visible = useDocumentVisible();
  const meId = me.user.id;
  const canCreateGroup = me.user.role === 'teacher' || me.user.role === 'admin';

  // The list is kept live app-wide; opening the page fetches it once more to be sure.
  useEffect(loadRooms, [loadRooms]);

  // The open, visible room counts as read as messages arrive.
  useEffect(() => {
    setViewing(visible ? roomId : null);
    return () => setViewing(null);
  }, [visible, roomId, setViewing]);

  const sorted = useMemo(() => sortRooms(rooms ?? []), [rooms]);
  const current = rooms?.find((r) => r.id === roomId);

  return (
    <div class={roomId ? 'page chat-page chat-has-room' : 'page chat-page'} data-testid="chat-page">
      <HubBanner />
      <div class="chat-layout">
        <aside class="chat-sidebar card" aria-labelledby="chat-rooms-title">
          <div class="chat-sidebar-head">
            <h1 id="chat-rooms-title">{t('chat.title')}</h1>
            <div class="row">
              <button type="button" class="btn btn-small" onClick={() => setDialog('direct')} data-testid="new-direct">
                {t('chat.newDirect')}
              </button>
              {canCreateGroup && (
                <button type="button" class="btn btn-small" onClick={() => setDialog('group')} data-testid="new-group">
                  {t('chat.newGroup')}
                </button>
              )}
            </div>
          </div>
          <SearchBox />
          <ErrorBox error={loadError} />
          {rooms === null && !loadError ? (
            <Loading />
          ) : sorted.length === 0 ? (
            <p class="empty">{t('chat.noRooms')}</p>
          ) : (
            <ul class="room-list" data-testid="room-list">
              {sorted.map((r) => (
                <RoomItem key={r.id} room={r} active={r.id === roomId} meId={meId} mentioned={mentioned.has(r.id)} />
              ))}
            </ul>
          )}
        </aside>
        <section class="chat-main card" aria-label={current ? roomTitle(current) : t('chat.title')}>
          {roomId ? (
            <RoomView
              key={roomId}
              me={me}
              roomId={roomId}
              visible={visible}
              pollsEnabled={pollsEnabled}
              onRead={onRead}
              onRoomChanged={onRoomChanged}
              onLeft={() => {
                loadRooms();
                navigate('/chat');
              }}
            />
          ) : (
            <p class="empty chat-pick">{t('chat.pickRoom')}</p>
          )}
        </section>
      </div>
      {dialog === 'direct' && (
        <NewDirectDialog
          onClose={() => setDialog(null)}
          onOpened={(room) => {
            setDialog(null);
            loadRooms();
            navigate(`/chat/${encodeURIComponent(room.id)}`);
          }}
        />
      )}
      {dialog === 'group' && (
        <NewGroupDialog
          onClose={() => setDialog(null)}
          onCreated={(room) => {
            setDialog(null);
            loadRooms();
            navigate(`/chat/${encodeURIComponent(room.id)}`);
          }}
        />
      )}
    </div>
  );
}

/** Shows when the live connection is being re-established or has ended. */
function HubBanner() {
  const { t } = useI18n();
  const state = useHubState();
  if (state.status === 'reconnecting') {
    return (
      <div class="alert alert-warning" role="status" data-testid="hub-reconnecting">
        {t('chat.reconnecting')}
      </div>
    );
  }
  if (state.status === 'closed' && state.closeCode !== null && state.closeCode !== 1000) {
    return (
      <div class="alert alert-warning" role="status" data-testid="hub-closed">
        {t('chat.liveEnded')}
      </div>
    );
  }
  return null;
}

function RoomItem({ room, active, meId, mentioned }: { room: Room; active: boolean; meId: string; mentioned: boolean }) {
  const { t } = useI18n();
  const badge = unreadBadge(active ? 0 : room.unread);
  const last = room.last_message;
  const title = roomTitle(room);
  let preview = '';
  if (last) {
    const who = last.sender_id === meId ? t('chat.you') : last.sender_name;
    preview = `${who}: ${last.deleted ? t('chat.deleted') : last.text}`;
  }
  return (
    <li class={active ? 'room-item active' : 'room-item'} data-testid="room-item" data-room-id={room.id} data-room-title={title} data-unread={room.unread}>
      <Link href={`/chat/${encodeURIComponent(room.id)}`} aria-current={active ? 'page' : undefined}>
        <span class={`avatar room-avatar room-${room.kind}`} aria-hidden="true">
          {roomInitials(title)}
        </span>
        <span class="room-text">
          <span class="room-title">
            {title}
            {room.muted && (
              <span class="room-muted" title={t('chat.muted')}>
                <MutedIcon />
                <span class="sr-only">{t('chat.muted')}</span>
              </span>
            )}
          </span>
          <span class="room-preview muted small">{preview || t(`chat.kind.${room.kind}`)}</span>
        </span>
        {mentioned && !active && (
          <span class="mention-dot" title={t('chat.mentioned')} data-testid="mention-badge">
            @
          </span>
        )}
        {badge && (
          <span class="unread-badge" data-testid="unread-badge" aria-label={t('chat.unreadLabel', { n: room.unread })}>
            {badge}
          </span>
        )}
      </Link>
    </li>
  );
}

/** Avatar letters of a room: the initials of several words, else the first two characters ("5a"). */
export function roomInitials(title: string): string {
  const words = title.trim().split(/\s+/).filter(Boolean);
  if (words.length > 1) return initials(title);
  return Array.from(words[0] ?? '').slice(0, 2).join('').toUpperCase();
}

function MutedIcon() {
  return (
    <svg class="icon-muted" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d="M4 9v6h4l5 4V5L8 9H4z" fill="currentColor" />
      <path d="m16 9 5 6m0-6-5 6" stroke="currentColor" stroke-width="2" stroke-linecap="round" fill="none" />
    </svg>
  );
}

// =============================================================================================
// Search

function SearchBox() {
  const { t, lang } = useI18n();
  const [q, setQ] = useState('');
  const [results, setResults] = useState<SearchResult[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const now = Date.now();

  const submit = async (e: Event) => {
    e.preventDefault();
    const text = q.trim();
    if (!text) {
      setResults(null);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      setResults((await chatApi.search(text)).results);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="chat-search">
      <form role="search" onSubmit={submit} data-testid="chat-search">
        <label for="chat-search-input" class="sr-only">
          {t('chat.search')}
        </label>
        <div class="search-row">
          <input
            id="chat-search-input"
            type="search"
            placeholder={t('chat.searchPlaceholder')}
            value={q}
            onInput={(e) => {
              setQ(e.currentTarget.value);
              if (!e.currentTarget.value) setResults(null);
            }}
          />
          <button type="submit" class="btn btn-small" disabled={busy}>
            {t('common.search')}
          </button>
        </div>
      </form>
      <ErrorBox error={error} />
      {results && (
        <div class="search-results" data-testid="search-results">
          <div class="search-results-head">
            <span class="muted small">{results.length === 1 ? t('chat.searchOne') : t('chat.searchCount', { n: results.length })}</span>
            <button type="button" class="btn btn-link btn-small" onClick={() => setResults(null)}>
              {t('chat.searchClose')}
            </button>
          </div>
          <ul>
            {results.map((r) => (
              <li key={r.id} data-testid="search-result">
                <Link href={`/chat/${encodeURIComponent(r.room_id)}`}>
                  <span class="small">
                    <strong>{r.room_title || t('chat.kind.direct')}</strong> · {r.sender_name} · {messageTime(lang, r.created_at, now)}
                  </span>
                  <span class="search-text">{r.text}</span>
                </Link>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

// =============================================================================================
// The open room

interface RoomViewProps {
  me: Me;
  roomId: string;
  visible: boolean;
  pollsEnabled: boolean;
  onRead: (roomId: string, seq: number) => void;
  onRoomChanged: (room: Room) => void;
  onLeft: () => void;
}

function RoomView({ me, roomId, visible, pollsEnabled, onRead, onRoomChanged, onLeft }: RoomViewProps) {
  const { t } = useI18n();
  const meId = me.user.id;
  const [room, setRoom] = useState<RoomDetail | null>(null);
  const [roomError, setRoomError] = useState<unknown>(null);
  const [messages, setMessages] = useState<Message[]>([]);
  const [hasMore, setHasMore] = useState(false);
  const [loaded, setLoaded] = useState(false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [historyError, setHistoryError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  const [typing, setTyping] = useState<TypingMap>(new Map());
  const [showMembers, setShowMembers] = useState(false);
  const [pollReload, setPollReload] = useState(0);
  const [gone, setGone] = useState(false);
  const messagesRef = useRef<Message[]>([]);
  messagesRef.current = messages;
  const loadedRef = useRef(false);

  const scroller = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);
  const prependAnchor = useRef<number | null>(null);

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

  // Catch-up: fetch everything after the newest message we have until has_more is false.
  const catchingUp = useRef(false);
  const catchUpAgain = useRef(false);
  const catchUp = useCallback(async () => {
    if (!loadedRef.current) return;
    if (catchingUp.current) {
      catchUpAgain.current = true;
      return;
    }
    catchingUp.current = true;
    try {
      do {
        catchUpAgain.current = false;
        for (let guard = 0; guard < 50; guard++) {
          const after = newestSeq(messagesRef.current);
          const page = await chatApi.messagesAfter(roomId, after);
          if (page.messages.length) {
            const merged = mergeMessages(messagesRef.current, page.messages);
            messagesRef.current = merged;
            setMessages(merged);
          }
          if (!page.has_more || page.messages.length === 0) break;
        }
      } while (catchUpAgain.current);
    } catch (err) {
      setHistoryError(err);
    } finally {
      catchingUp.current = false;
    }
  }, [roomId]);

  // The newest page of history.
  useEffect(() => {
    let alive = true;
    chatApi.messagesBefore(roomId, undefined, PAGE).then(
      (page) => {
        if (!alive) return;
        const merged = mergeMessages(messagesRef.current, [...page.messages].reverse());
        messagesRef.current = merged;
        setMessages(merged);
        setHasMore(page.has_more);
        loadedRef.current = true;
        setLoaded(true);
        void catchUp();
      },
      (err) => alive && setHistoryError(err),
    );
    return () => {
      alive = false;
    };
  }, [roomId, catchUp]);

  const loadOlder = useCallback(async () => {
    const before = oldestSeq(messagesRef.current);
    if (loadingOlder || !hasMore || before === null) return;
    setLoadingOlder(true);
    try {
      const page = await chatApi.messagesBefore(roomId, before, PAGE);
      const el = scroller.current;
      prependAnchor.current = el ? el.scrollHeight - el.scrollTop : null;
      const merged = mergeMessages(messagesRef.current, [...page.messages].reverse());
      messagesRef.current = merged;
      setMessages(merged);
      setHasMore(page.has_more);
    } catch (err) {
      setHistoryError(err);
    } finally {
      setLoadingOlder(false);
    }
  }, [roomId, hasMore, loadingOlder]);

  // Live events of this room.
  const handler: TopicHandler = {
    message: (body, frame) => {
      const ev = body as ChatEvent;
      switch (eventName(body)) {
        case 'message': {
          if (!('message' in ev)) return;
          const msg = ev.message;
          const gap = needsCatchUp(messagesRef.current, msg.seq);
          const merged = mergeMessages(messagesRef.current, [msg]);
          messagesRef.current = merged;
          setMessages(merged);
          const sender = msg.sender_id;
          if (sender) setTyping((m) => typingStopped(m, sender));
          if (gap) void catchUp();
          break;
        }
        case 'updated':
          if ('message' in ev) {
            const next = applyUpdate(messagesRef.current, ev.message);
            messagesRef.current = next;
            setMessages(next);
          }
          break;
        case 'room':
          if ('room' in ev) setRoom((r) => (r ? { ...r, muted: ev.room.muted, title: ev.room.title, can_write: r.moderator || !ev.room.muted } : r));
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

  // Keep the view at the bottom for new messages; keep the position when older ones are prepended.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (prependAnchor.current !== null) {
      el.scrollTop = el.scrollHeight - prependAnchor.current;
      prependAnchor.current = null;
    } else if (stickToBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
  }, [messages]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    if (el.scrollTop < 80 && hasMore && !loadingOlder) void loadOlder();
  };

  // If the first page does not fill the view, there is no scrollbar to pull: load on.
  useEffect(() => {
    const el = scroller.current;
    if (el && loaded && hasMore && !loadingOlder && el.scrollHeight <= el.clientHeight + 10) void loadOlder();
  }, [loaded, hasMore, loadingOlder, messages.length, loadOlder]);

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
      if (msg) {
        const next = applyUpdate(messagesRef.current, msg);
        messagesRef.current = next;
        setMessages(next);
      }
    } catch (err) {
      setActionError(err);
    }
  };

  const send = async (text: string): Promise<boolean> => {
    setActionError(null);
    try {
      const msg = await chatApi.send(roomId, text, replyTo?.id);
      stickToBottom.current = true;
      const gap = needsCatchUp(messagesRef.current, msg.seq);
      const merged = mergeMessages(messagesRef.current, [msg]);
      messagesRef.current = merged;
      setMessages(merged);
      if (gap) void catchUp();
      setReplyTo(null);
      return true;
    } catch (err) {
      setActionError(err);
      if (err instanceof Error && 'code' in err && (err as { code: string }).code === 'room_muted') {
        setRoom((r) => (r ? { ...r, muted: true, can_write: r.moderator } : r));
      }
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

      <div class="chat-messages" ref={scroller} onScroll={onScroll} data-testid="message-list" role="log" aria-label={room ? roomTitle(room) : undefined} aria-live="polite" aria-relevant="additions" tabIndex={0}>
        {hasMore && (
          <div class="load-older">
            <button type="button" class="btn btn-link btn-small" onClick={() => void loadOlder()} disabled={loadingOlder} data-testid="load-older">
              {loadingOlder ? t('app.loading') : t('chat.loadOlder')}
            </button>
          </div>
        )}
        <ErrorBox error={historyError} />
        {!loaded && !historyError ? (
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

// =============================================================================================
// Messages

function MessageItem(props: {
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

// =============================================================================================
// Composer

function Composer(props: {
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

// =============================================================================================
// Members and dialogs

function MembersPanel({ room, meId, onChanged, onLeft }: { room: RoomDetail; meId: string; onChanged: () => void; onLeft: () => void }) {
  const { t } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const [adding, setAdding] = useState(false);
  const manage = room.kind === 'group' && room.moderator;
  const members = [...room.members].sort(
    (a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || a.display_name.localeCompare(b.display_name, 'de'),
  );

  const remove = async (userId: string) => {
    setError(null);
    try {
      await chatApi.removeMember(room.id, userId);
      if (userId === meId) onLeft();
      else onChanged();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section class="members-panel" aria-label={t('chat.members')} data-testid="members-panel">
      <ErrorBox error={error} />
      <ul class="member-list compact">
        {members.map((m) => (
          <li key={m.id} data-testid="room-member" data-user-id={m.id}>
            <span class="avatar avatar-small" aria-hidden="true">
              {initials(m.display_name)}
            </span>
            <span class="member-name">
              <strong>{m.display_name}</strong>
              <span class="muted small">{t(`role.${m.school_role}`)}</span>
            </span>
            {m.role !== 'member' && <Badge kind="leader">{t(`chat.mrole.${m.role}`)}</Badge>}
            {room.kind === 'group' && m.id === meId && m.role !== 'owner' && (
              <button type="button" class="btn btn-small btn-danger-outline" onClick={() => remove(m.id)}>
                {t('chat.leave')}
              </button>
            )}
            {manage && m.id !== meId && (
              <button type="button" class="btn btn-small btn-danger-outline" onClick={() => remove(m.id)} data-testid="remove-member">
                {t('groups.remove')}
              </button>
            )}
          </li>
        ))}
      </ul>
      {manage &&
        (adding ? (
          <ContactPicker
            multiple
            exclude={new Set(room.members.map((m) => m.id))}
            submitLabel={t('groups.add')}
            onCancel={() => setAdding(false)}
            onSubmit={async (ids) => {
              await chatApi.addMembers(room.id, ids);
              setAdding(false);
              onChanged();
            }}
          />
        ) : (
          <button type="button" class="btn btn-small" onClick={() => setAdding(true)}>
            {t('groups.addMember')}
          </button>
        ))}
    </section>
  );
}

const ROLE_ORDER = { owner: 0, leader: 1, member: 2 } as const;

/** Searches the people I may chat with; single: picks one, multiple: collects a selection. */
function ContactPicker(props: {
  multiple: boolean;
  exclude?: ReadonlySet<string>;
  submitLabel: string;
  onSubmit: (ids: string[]) => Promise<void>;
  onCancel?: () => void;
  extra?: ComponentChildren;
  canSubmit?: boolean;
}) {
  const { t } = useI18n();
  const [q, setQ] = useState('');
  const [found, setFound] = useState<Contact[] | null>(null);
  const [picked, setPicked] = useState<Contact[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const inputId = useMemo(() => `contact-q-${Math.random().toString(36).slice(2, 8)}`, []);

  useEffect(() => {
    let alive = true;
    const timer = setTimeout(() => {
      chatApi.contacts(q.trim()).then(
        (r) => {
          if (alive) {
            setFound(r.users);
            setError(null);
          }
        },
        (e) => alive && setError(e),
      );
    }, 250);
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [q]);

  const choose = async (c: Contact) => {
    if (props.multiple) {
      setPicked((p) => (p.some((x) => x.id === c.id) ? p.filter((x) => x.id !== c.id) : [...p, c]));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await props.onSubmit([c.id]);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const submitMany = async () => {
    setBusy(true);
    setError(null);
    try {
      await props.onSubmit(picked.map((p) => p.id));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const shown = (found ?? []).filter((c) => !props.exclude?.has(c.id));
  return (
    <div class="contact-picker" data-testid="contact-picker">
      <div class="field">
        <label for={inputId}>{t('chat.findPeople')}</label>
        <input id={inputId} type="search" value={q} placeholder={t('chat.findPlaceholder')} onInput={(e) => setQ(e.currentTarget.value)} />
      </div>
      <ErrorBox error={error} />
      {found === null ? (
        <Loading />
      ) : shown.length === 0 ? (
        <p class="empty">{t('chat.noContacts')}</p>
      ) : (
        <ul class="contact-list">
          {shown.map((c) => {
            const on = picked.some((p) => p.id === c.id);
            return (
              <li key={c.id}>
                <button
                  type="button"
                  class={on ? 'contact on' : 'contact'}
                  aria-pressed={props.multiple ? on : undefined}
                  disabled={busy}
                  onClick={() => choose(c)}
                  data-testid="contact"
                >
                  <span class="avatar avatar-small" aria-hidden="true">
                    {initials(c.display_name)}
                  </span>
                  <span>
                    {c.display_name} <span class="muted small">· {t(`role.${c.role}`)}</span>
                  </span>
                  {on && <span aria-hidden="true">✓</span>}
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {props.extra}
      {props.multiple && (
        <div class="form-actions">
          {picked.length > 0 && <span class="muted small picked-count">{t('chat.picked', { n: picked.length })}</span>}
          {props.onCancel && (
            <button type="button" class="btn" onClick={props.onCancel}>
              {t('common.cancel')}
            </button>
          )}
          <button type="button" class="btn btn-primary" disabled={busy || picked.length === 0 || props.canSubmit === false} onClick={submitMany}>
            {props.submitLabel}
          </button>
        </div>
      )}
    </div>
  );
}

function NewDirectDialog({ onClose, onOpened }: { onClose: () => void; onOpened: (room: RoomDetail) => void }) {
  const { t } = useI18n();
  return (
    <Modal title={t('chat.newDirect')} onClose={onClose} data-testid="new-direct-dialog">
      <p class="muted small">{t('chat.newDirectIntro')}</p>
      <ContactPicker multiple={false} submitLabel={t('chat.start')} onSubmit={async ([id]) => onOpened(await chatApi.direct(id!))} />
    </Modal>
  );
}

function NewGroupDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (room: RoomDetail) => void }) {
  const { t } = useI18n();
  const [title, setTitle] = useState('');
  const [done, setDone] = useState(false);
  return (
    <Modal title={t('chat.newGroup')} onClose={onClose} data-testid="new-group-dialog" wide>
      <div class="field">
        <label for="new-room-title">{t('chat.roomTitle')}</label>
        <input id="new-room-title" required maxLength={100} value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
      </div>
      {done && <Notice>{t('chat.created')}</Notice>}
      <ContactPicker
        multiple
        submitLabel={t('chat.createRoom')}
        canSubmit={title.trim().length > 0}
        onCancel={onClose}
        onSubmit={async (ids) => {
          const room = await chatApi.createRoom(title.trim(), ids);
          setDone(true);
          onCreated(room);
        }}
      />
    </Modal>
  );
}
