// The owner's share dialog: the current shares with read/write access, adding a class/group or a person,
// and saving the whole list at once (PUT …/shares replaces all shares in one transaction).
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Me } from '../api';
import { Avatar, ErrorBox, Loading, Modal, useLoad } from '../components';
import { useI18n } from '../i18n';
import { docApi, type Access, type LiveDocument, type Share } from './api';
import { peopleSearch, removeShare, shareKey, shareableGroups, upsertShare, withAccess, type NamedRef } from './shares';

export function ShareDialog(props: { me: Me; document: LiveDocument; onClose: () => void; onSaved: (d: LiveDocument) => void }) {
  const { t } = useI18n();
  const [shares, setShares] = useState<Share[]>(props.document.shares ?? []);
  const [names, setNames] = useState<Map<string, string>>(new Map());
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const groups = useLoad(() => shareableGroups(props.me), []);
  const [groupPick, setGroupPick] = useState('');
  const [groupAccess, setGroupAccess] = useState<Access>('write');

  useEffect(() => {
    if (groups.data) setNames((n) => new Map([...n, ...groups.data!.map((g): [string, string] => [`g:${g.id}`, g.name])]));
  }, [groups.data]);
  const remember = (people: NamedRef[]) => setNames((n) => new Map([...n, ...people.map((p): [string, string] => [`u:${p.id}`, p.name])]));

  const nameOf = (s: Share) =>
    names.get(shareKey(s)) ?? ('group_id' in s ? t('share.unknownGroup') : t('share.unknownPerson'));

  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      props.onSaved(await docApi.share(props.document.id, shares));
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <Modal title={t('doc.shareTitle', { title: props.document.title })} onClose={props.onClose} data-testid="doc-share-dialog" wide>
      <section aria-labelledby="share-current">
        <h3 id="share-current">{t('share.current')}</h3>
        {shares.length === 0 ? (
          <p class="empty">{t('share.none')}</p>
        ) : (
          <ul class="share-list" data-testid="share-list">
            {shares.map((s) => {
              const key = shareKey(s);
              const name = nameOf(s);
              return (
                <li key={key} data-testid="share-entry" data-share={key}>
                  <Avatar name={name} small />
                  <span class="grow">{name}</span>
                  <AccessSelect
                    value={s.access}
                    label={t('share.accessLabel', { name })}
                    onChange={(a) => setShares((all) => upsertShare(all, withAccess(s, a)))}
                  />
                  <button type="button" class="btn btn-small btn-danger-outline" onClick={() => setShares((all) => removeShare(all, key))}>
                    {t('share.remove')}
                  </button>
                </li>
              );
            })}
          </ul>
        )}
      </section>

      <section aria-labelledby="share-groups">
        <h3 id="share-groups">{t('share.groups')}</h3>
        <ErrorBox error={groups.error} />
        {groups.loading && !groups.data ? (
          <Loading />
        ) : (
          <div class="row share-add">
            <select aria-label={t('share.groups')} value={groupPick} onChange={(e) => setGroupPick(e.currentTarget.value)} data-testid="share-group-select">
              <option value="">{t('share.pickGroup')}</option>
              {(groups.data ?? []).map((g) => (
                <option key={g.id} value={g.id}>
                  {g.name}
                </option>
              ))}
            </select>
            <AccessSelect value={groupAccess} label={t('share.accessLabel', { name: t('share.groups') })} onChange={setGroupAccess} />
            <button
              type="button"
              class="btn"
              disabled={!groupPick}
              onClick={() => {
                setShares((all) => upsertShare(all, { group_id: groupPick, access: groupAccess }));
                setGroupPick('');
              }}
              data-testid="share-group-add"
            >
              {t('share.add')}
            </button>
          </div>
        )}
      </section>

      <PeoplePicker me={props.me} onFound={remember} onPick={(p) => setShares((all) => upsertShare(all, { user_id: p.id, access: 'write' }))} />

      <ErrorBox error={error} />
      <div class="form-actions">
        <button type="button" class="btn" onClick={props.onClose}>
          {t('common.cancel')}
        </button>
        <button type="button" class="btn btn-primary" disabled={busy} onClick={save} data-testid="share-save">
          {t('doc.save')}
        </button>
      </div>
    </Modal>
  );
}

function AccessSelect(props: { value: Access; label: string; onChange: (a: Access) => void }) {
  const { t } = useI18n();
  return (
    <select class="access-select" aria-label={props.label} value={props.value} onChange={(e) => props.onChange(e.currentTarget.value as Access)} data-testid="share-access">
      <option value="write">{t('doc.access.write')}</option>
      <option value="read">{t('doc.access.read')}</option>
    </select>
  );
}

/** Finds people by name (debounced); a click adds them with write access. */
function PeoplePicker(props: { me: Me; onFound: (p: NamedRef[]) => void; onPick: (p: NamedRef) => void }) {
  const { t } = useI18n();
  const search = useMemo(() => peopleSearch(props.me), [props.me]);
  const [q, setQ] = useState('');
  const [found, setFound] = useState<NamedRef[] | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    if (!search || q.trim() === '') {
      setFound(null);
      return;
    }
    let alive = true;
    const timer = setTimeout(() => {
      search(q.trim()).then(
        (people) => {
          if (!alive) return;
          const others = people.filter((p) => p.id !== props.me.user.id);
          setFound(others);
          props.onFound(others);
          setError(null);
        },
        (e) => alive && setError(e),
      );
    }, 250);
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [q, search]);

  return (
    <section aria-labelledby="share-people">
      <h3 id="share-people">{t('share.people')}</h3>
      {!search ? (
        <p class="muted small">{t('share.noPeopleSource')}</p>
      ) : (
        <>
          <div class="field">
            <label for="share-person-q">{t('share.findPerson')}</label>
            <input id="share-person-q" type="search" value={q} placeholder={t('share.findPlaceholder')} onInput={(e) => setQ(e.currentTarget.value)} />
          </div>
          <ErrorBox error={error} />
          {found && (
            <ul class="contact-list">
              {found.map((p) => (
                <li key={p.id}>
                  <button type="button" class="contact" onClick={() => props.onPick(p)} data-testid="share-person">
                    <Avatar name={p.name} small />
                    <span>{p.name}</span>
                    <span class="muted small">{t('share.add')}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
