// The messenger's room list: one entry per room with avatar, last message, muted mark, mention dot and unread badge.
import type { Room } from '../chatApi';
import { unreadBadge } from '../chatLogic';
import { Link } from '../components';
import { useI18n } from '../i18n';
import { roomHref, roomInitials, roomTitle } from './format';

export function RoomList(props: { rooms: readonly Room[]; roomId: string | null; meId: string; mentioned: ReadonlySet<string> }) {
  return (
    <ul class="room-list" data-testid="room-list">
      {props.rooms.map((r) => (
        <RoomItem key={r.id} room={r} active={r.id === props.roomId} meId={props.meId} mentioned={props.mentioned.has(r.id)} />
      ))}
    </ul>
  );
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
      <Link href={roomHref(room.id)} aria-current={active ? 'page' : undefined}>
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

function MutedIcon() {
  return (
    <svg class="icon-muted" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d="M4 9v6h4l5 4V5L8 9H4z" fill="currentColor" />
      <path d="m16 9 5 6m0-6-5 6" stroke="currentColor" stroke-width="2" stroke-linecap="round" fill="none" />
    </svg>
  );
}
