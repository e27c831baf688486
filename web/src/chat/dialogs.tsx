// The messenger's people dialogs: start a direct chat, create a group room, and a room's members panel
// (moderators add and remove members, members leave).
import { useState } from 'preact/hooks';
import { chatApi, type RoomDetail } from '../chatApi';
import { Avatar, Badge, ErrorBox, Modal, Notice } from '../components';
import { useI18n } from '../i18n';
import { ContactPicker } from './ContactPicker';

export function NewDirectDialog({ onClose, onOpened }: { onClose: () => void; onOpened: (room: RoomDetail) => void }) {
  const { t } = useI18n();
  return (
    <Modal title={t('chat.newDirect')} onClose={onClose} data-testid="new-direct-dialog">
      <p class="muted small">{t('chat.newDirectIntro')}</p>
      <ContactPicker multiple={false} submitLabel={t('chat.start')} onSubmit={async ([id]) => onOpened(await chatApi.direct(id!))} />
    </Modal>
  );
}

export function NewGroupDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (room: RoomDetail) => void }) {
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

const ROLE_ORDER = { owner: 0, leader: 1, member: 2 } as const;

export function MembersPanel({ room, meId, onChanged, onLeft }: { room: RoomDetail; meId: string; onChanged: () => void; onLeft: () => void }) {
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
            <Avatar name={m.display_name} small />
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
