// The signed-in user's chat rooms, kept live for the whole app while the messenger is on: the room
// list of the messenger page and the unread badge of the navigation share this one state.
import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { chatApi, eventName, type ChatEvent, type Room, type UserEvent } from './chatApi';
import { applyToRoom, roomAfterMessage, roomAfterRead, roomAfterSettings, roomAfterUpdate, totalUnread } from './chatLogic';
import { hub, useTopic } from './hub';

export interface ChatRooms {
  /** null while loading (or without the messenger). */
  rooms: Room[] | null;
  loadError: unknown;
  /** Rooms with a mention of me not yet seen. */
  mentioned: ReadonlySet<string>;
  unread: number;
  loadRooms: () => void;
  /** The room on screen (its new messages are read at once), or null. */
  setViewing: (roomId: string | null) => void;
  onRead: (roomId: string, seq: number) => void;
  onRoomChanged: (room: Room) => void;
}

const noop = () => {};
const ChatRoomsContext = createContext<ChatRooms>({
  rooms: null,
  loadError: null,
  mentioned: new Set(),
  unread: 0,
  loadRooms: noop,
  setViewing: noop,
  onRead: noop,
  onRoomChanged: noop,
});

export function useChatRooms(): ChatRooms {
  return useContext(ChatRoomsContext);
}

/** Provides the live room list; without `enabled` (messenger off) it provides nothing. */
export function ChatRoomsProvider({ meId, enabled, children }: { meId: string; enabled: boolean; children: ComponentChildren }) {
  if (!enabled) return <>{children}</>;
  return <LiveRooms meId={meId}>{children}</LiveRooms>;
}

function LiveRooms({ meId, children }: { meId: string; children: ComponentChildren }) {
  const [rooms, setRooms] = useState<Room[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [mentioned, setMentioned] = useState<ReadonlySet<string>>(new Set());
  const viewing = useRef<string | null>(null);

  const loadRooms = useCallback(() => {
    chatApi.rooms().then(
      (r) => {
        setRooms(r.rooms);
        setLoadError(null);
      },
      (e) => setLoadError(e),
    );
  }, []);
  useEffect(loadRooms, [loadRooms]);

  // Coalesce reloads asked for by several events at once.
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const reloadSoon = useCallback(() => {
    if (reloadTimer.current) return;
    reloadTimer.current = setTimeout(() => {
      reloadTimer.current = null;
      loadRooms();
    }, 200);
  }, [loadRooms]);
  useEffect(() => () => void (reloadTimer.current && clearTimeout(reloadTimer.current)), []);

  const update = useCallback((id: string, fn: (r: Room) => Room) => setRooms((rs) => (rs ? applyToRoom(rs, id, fn) : rs)), []);
  const clearMention = useCallback((id: string) => {
    setMentioned((s) => {
      if (!s.has(id)) return s;
      const n = new Set(s);
      n.delete(id);
      return n;
    });
  }, []);

  // Every room's topic (unread counts, previews), kept per room so that a changed list only
  // subscribes and unsubscribes the difference.
  const roomSubs = useRef(new Map<string, () => void>());
  const roomIds = useMemo(() => (rooms ?? []).map((r) => r.id).sort().join(','), [rooms]);
  useEffect(() => {
    const want = new Set(roomIds ? roomIds.split(',') : []);
    const subs = roomSubs.current;
    for (const [id, off] of subs) {
      if (!want.has(id)) {
        off();
        subs.delete(id);
      }
    }
    for (const id of want) {
      if (subs.has(id)) continue;
      subs.set(
        id,
        hub().subscribe(`chat:${id}`, {
          message: (body) => {
            const ev = body as ChatEvent;
            switch (eventName(body)) {
              case 'message':
                if ('message' in ev) update(id, (r) => roomAfterMessage(r, ev.message, meId, viewing.current === id));
                break;
              case 'updated':
                if ('message' in ev) update(id, (r) => roomAfterUpdate(r, ev.message));
                break;
              case 'room':
                if ('room' in ev) update(id, (r) => roomAfterSettings(r, ev.room));
                break;
              case 'members':
                reloadSoon();
                break;
            }
          },
          resync: () => reloadSoon(),
          unsubscribed: () => reloadSoon(),
        }),
      );
    }
  }, [roomIds, meId, reloadSoon, update]);
  useEffect(
    () => () => {
      for (const off of roomSubs.current.values()) off();
      roomSubs.current.clear();
    },
    [],
  );

  // My own topic: read markers from other devices, rooms added or removed, mentions.
  useTopic(`user:${meId}`, {
    message: (body) => {
      const ev = body as UserEvent;
      switch (eventName(body)) {
        case 'read':
          if ('seq' in ev && 'room' in ev) update(ev.room, (r) => roomAfterRead(r, ev.seq));
          break;
        case 'rooms':
          reloadSoon();
          break;
        case 'mention':
          if ('room' in ev && ev.room !== viewing.current) setMentioned((s) => new Set(s).add(ev.room));
          break;
      }
    },
    resync: () => reloadSoon(),
  });

  const setViewing = useCallback(
    (id: string | null) => {
      viewing.current = id;
      if (id) clearMention(id);
    },
    [clearMention],
  );

  const onRead = useCallback(
    (id: string, seq: number) => {
      update(id, (r) => roomAfterRead(r, seq));
      clearMention(id);
    },
    [update, clearMention],
  );

  const onRoomChanged = useCallback((room: Room) => {
    setRooms((rs) =>
      rs
        ? applyToRoom(rs, room.id, (r) => ({
            ...r,
            ...room,
            unread: r.unread,
            read_seq: r.read_seq,
            last_message: r.last_message,
            last_seq: Math.max(r.last_seq, room.last_seq),
          }))
        : rs,
    );
  }, []);

  const value = useMemo<ChatRooms>(
    () => ({ rooms, loadError, mentioned, unread: totalUnread(rooms ?? []), loadRooms, setViewing, onRead, onRoomChanged }),
    [rooms, loadError, mentioned, loadRooms, setViewing, onRead, onRoomChanged],
  );
  return <ChatRoomsContext.Provider value={value}>{children}</ChatRoomsContext.Provider>;
}
