// The moderators' "Einladen" section: find a person of the school — through the messenger's contacts search
// (`GET /api/chat/contacts`) or, without the messenger, the address book — and invite them into the running
// lesson (`{"op":"invite","user":…}`). The confirmation names the person and offers the lesson's link (they are
// not a member, so no group page leads there): to copy, or to send as a direct chat message.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, type Me } from '../api';
import { chatApi } from '../chatApi';
import { Avatar, ErrorBox, Loading } from '../components';
import { useI18n, type MessageKey } from '../i18n';
import { inviteCandidates, lessonUrl, type Invitee } from './extras';
import type { VideoSession } from './session';

type Source = 'contacts' | 'addressbook' | null;

/** The people to choose from: the messenger searches on the server, the address book is loaded once. */
function usePeople(source: Source, q: string): { people: Invitee[] | null; error: unknown } {
  const [people, setPeople] = useState<Invitee[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const key = source === 'contacts' ? q.trim() : '';
  useEffect(() => {
    if (!source) return;
    let alive = true;
    const load = (): Promise<Invitee[]> =>
      source === 'contacts'
        ? chatApi.contacts(key).then((r) => r.users)
        : api.addressBook().then((book) => book.map((e) => ({ id: e.user_id, display_name: e.display_name, role: e.role })));
    const timer = setTimeout(() => {
      load().then(
        (list) => {
          if (!alive) return;
          setPeople(list);
          setError(null);
        },
        (err) => alive && setError(err),
      );
    }, source === 'contacts' ? 250 : 0);
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [source, key]);
  return { people, error };
}

export function InvitePanel({ session, me, groupId, present }: { session: VideoSession; me: Me; groupId: string; present: ReadonlySet<string> }) {
  const { t } = useI18n();
  const modules = new Set(me.modules ?? []);
  const source: Source = modules.has('messenger') ? 'contacts' : modules.has('addressbook') ? 'addressbook' : null;
  const [q, setQ] = useState('');
  const { people, error } = usePeople(source, q);
  const [busy, setBusy] = useState(false);
  const [invited, setInvited] = useState<Invitee | null>(null);
  const [note, setNote] = useState<MessageKey | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const url = lessonUrl(location.origin, groupId);
  const exclude = useMemo(() => new Set([...present, me.user.id]), [present, me.user.id]);

  if (!source) {
    return (
      <section data-testid="video-invite">
        <h2>{t('video.invite.title')}</h2>
        <p class="muted small">{t('video.invite.noSource')}</p>
      </section>
    );
  }

  const invite = async (person: Invitee) => {
    setBusy(true);
    setNote(null);
    setActionError(null);
    try {
      await session.moderate({ op: 'invite', user: person.id });
      setInvited(person);
    } catch {
      // The session shows the refusal.
    } finally {
      setBusy(false);
    }
  };

  const copy = () => {
    // The clipboard needs a secure context; the link field stays there to select by hand.
    if (!navigator.clipboard) return setNote('video.invite.copyFailed');
    navigator.clipboard.writeText(url).then(
      () => setNote('video.invite.copied'),
      () => setNote('video.invite.copyFailed'),
    );
  };

  const sendByChat = async (person: Invitee) => {
    setBusy(true);
    setActionError(null);
    try {
      const room = await chatApi.direct(person.id);
      await chatApi.send(room.id, t('video.invite.chatText', { url }));
      setNote('video.invite.chatSent');
    } catch (err) {
      setActionError(err);
    } finally {
      setBusy(false);
    }
  };

  const shown = people ? inviteCandidates(people, q, exclude) : null;
  return (
    <section data-testid="video-invite">
      <h2>{t('video.invite.title')}</h2>
      <p class="muted small">{t('video.invite.intro')}</p>
      {invited && (
        <div class="alert alert-success invite-done" role="status" data-testid="video-invite-done" data-name={invited.display_name}>
          <p>{t('video.invite.done', { name: invited.display_name })}</p>
          <input type="text" readOnly value={url} aria-label={t('video.invite.link')} onFocus={(e) => e.currentTarget.select()} data-testid="video-invite-link" />
          <div class="row wrap">
            <button type="button" class="btn btn-small" onClick={copy}>
              {t('video.invite.copy')}
            </button>
            {source === 'contacts' && (
              <button type="button" class="btn btn-small" disabled={busy} onClick={() => void sendByChat(invited)} data-testid="video-invite-chat">
                {t('video.invite.sendChat')}
              </button>
            )}
          </div>
          {note && <p class="small">{t(note)}</p>}
        </div>
      )}
      <ErrorBox error={error ?? actionError} />
      <label class="field">
        <span>{t('video.invite.search')}</span>
        <input type="search" value={q} placeholder={t('chat.findPlaceholder')} onInput={(e) => setQ(e.currentTarget.value)} data-testid="video-invite-search" />
      </label>
      {shown === null ? (
        error ? null : <Loading />
      ) : shown.length === 0 ? (
        <p class="muted small">{t('chat.noContacts')}</p>
      ) : (
        <ul class="plain-list person-list">
          {shown.map((p) => (
            <li key={p.id} class="person" data-testid="video-invite-candidate" data-name={p.display_name}>
              <span class="person-head">
                <Avatar name={p.display_name} small />
                <span class="person-name">
                  {p.display_name} <span class="muted small">· {t(`role.${p.role}` as MessageKey)}</span>
                </span>
                <button type="button" class="btn btn-small btn-primary" disabled={busy} onClick={() => void invite(p)} data-testid="video-invite-button">
                  {t('video.invite.button')}
                </button>
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
