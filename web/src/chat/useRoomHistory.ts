// The message history of an open room: the newest page, older pages on scrolling up (keeping the position),
// catch-up after gaps, merging live and own messages by seq, and sticking to the bottom for new ones.
import type { RefObject } from 'preact';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { chatApi, type Message } from '../chatApi';
import { applyUpdate, mergeMessages, needsCatchUp, newestSeq, oldestSeq } from '../chatLogic';

const PAGE = 50;

export interface RoomHistory {
  /** Ascending by seq, without duplicates. */
  messages: Message[];
  hasMore: boolean;
  loaded: boolean;
  loadingOlder: boolean;
  error: unknown;
  /** The scrolling message list. */
  scroller: RefObject<HTMLDivElement | null>;
  onScroll: () => void;
  loadOlder: () => Promise<void>;
  /** Fetches everything after the newest message we have. */
  catchUp: () => Promise<void>;
  /** Adds a new message (live or just sent); catches up when it shows a gap. */
  add: (msg: Message) => void;
  /** Replaces a message by a newer copy (edited, deleted, reacted to). */
  update: (msg: Message) => void;
  /** Scrolls to the bottom on the next change (after sending). */
  stickToBottom: () => void;
}

export function useRoomHistory(roomId: string): RoomHistory {
  const [messages, setMessages] = useState<Message[]>([]);
  const [hasMore, setHasMore] = useState(false);
  const [loaded, setLoaded] = useState(false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const messagesRef = useRef<Message[]>([]);
  messagesRef.current = messages;
  const loadedRef = useRef(false);

  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const prependAnchor = useRef<number | null>(null);

  const commit = useCallback((next: Message[]) => {
    messagesRef.current = next;
    setMessages(next);
  }, []);

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
          if (page.messages.length) commit(mergeMessages(messagesRef.current, page.messages));
          if (!page.has_more || page.messages.length === 0) break;
        }
      } while (catchUpAgain.current);
    } catch (err) {
      setError(err);
    } finally {
      catchingUp.current = false;
    }
  }, [roomId, commit]);

  // The newest page of history.
  useEffect(() => {
    let alive = true;
    chatApi.messagesBefore(roomId, undefined, PAGE).then(
      (page) => {
        if (!alive) return;
        commit(mergeMessages(messagesRef.current, [...page.messages].reverse()));
        setHasMore(page.has_more);
        loadedRef.current = true;
        setLoaded(true);
        void catchUp();
      },
      (err) => alive && setError(err),
    );
    return () => {
      alive = false;
    };
  }, [roomId, catchUp, commit]);

  const loadOlder = useCallback(async () => {
    const before = oldestSeq(messagesRef.current);
    if (loadingOlder || !hasMore || before === null) return;
    setLoadingOlder(true);
    try {
      const page = await chatApi.messagesBefore(roomId, before, PAGE);
      const el = scroller.current;
      prependAnchor.current = el ? el.scrollHeight - el.scrollTop : null;
      commit(mergeMessages(messagesRef.current, [...page.messages].reverse()));
      setHasMore(page.has_more);
    } catch (err) {
      setError(err);
    } finally {
      setLoadingOlder(false);
    }
  }, [roomId, hasMore, loadingOlder, commit]);

  // Keep the view at the bottom for new messages; keep the position when older ones are prepended.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (prependAnchor.current !== null) {
      el.scrollTop = el.scrollHeight - prependAnchor.current;
      prependAnchor.current = null;
    } else if (stick.current) {
      el.scrollTop = el.scrollHeight;
    }
  }, [messages]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    if (el.scrollTop < 80 && hasMore && !loadingOlder) void loadOlder();
  };

  // If the first page does not fill the view, there is no scrollbar to pull: load on.
  useEffect(() => {
    const el = scroller.current;
    if (el && loaded && hasMore && !loadingOlder && el.scrollHeight <= el.clientHeight + 10) void loadOlder();
  }, [loaded, hasMore, loadingOlder, messages.length, loadOlder]);

  const add = (msg: Message) => {
    const gap = needsCatchUp(messagesRef.current, msg.seq);
    commit(mergeMessages(messagesRef.current, [msg]));
    if (gap) void catchUp();
  };

  return {
    messages,
    hasMore,
    loaded,
    loadingOlder,
    error,
    scroller,
    onScroll,
    loadOlder,
    catchUp,
    add,
    update: (msg) => commit(applyUpdate(messagesRef.current, msg)),
    stickToBottom: () => {
      stick.current = true;
    },
  };
}
