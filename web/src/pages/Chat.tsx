// Module page "Messenger": the page shell with the room list, search and new-chat dialogs beside the open
// room (chat/RoomView.tsx), the live-connection banner, and which room counts as read while visible.
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Me } from '../api';
import type { RoomDetail } from '../chatApi';
import { useChatRooms } from '../chatRooms';
import { sortRooms } from '../chatLogic';
import { NewDirectDialog, NewGroupDialog } from '../chat/dialogs';
import { roomHref, roomTitle } from '../chat/format';
import { RoomList } from '../chat/RoomList';
import { RoomView } from '../chat/RoomView';
import { SearchBox } from '../chat/SearchBox';
import { ErrorBox, Loading } from '../components';
import { useHubState } from '../hub';
import { useI18n } from '../i18n';
import { navigate } from '../router';

function useDocumentVisible(): boolean {
  const [visible, setVisible] = useState(() => typeof document === 'undefined' || document.visibilityState !== 'hidden');
  useEffect(() => {
    const update = () => setVisible(document.visibilityState !== 'hidden');
    document.addEventListener('visibilitychange', update);
    return () => document.removeEventListener('visibilitychange', update);
  }, []);
  return visible;
}

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

  /** A dialog started or created a room: show it. */
  const openRoom = (room: RoomDetail) => {
    setDialog(null);
    loadRooms();
    navigate(roomHref(room.id));
  };

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
            <RoomList rooms={sorted} roomId={roomId} meId={meId} mentioned={mentioned} />
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
      {dialog === 'direct' && <NewDirectDialog onClose={() => setDialog(null)} onOpened={openRoom} />}
      {dialog === 'group' && <NewGroupDialog onClose={() => setDialog(null)} onCreated={openRoom} />}
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
