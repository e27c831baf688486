// Admin page "Einwilligungen": pick a class, see each pupil's consent state, record or withdraw consent in bulk.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, type ConsentGiver, type ConsentState, type Member } from '../api';
import { Badge, ErrorBox, Loading, Notice, useLoad } from '../components';
import { ageOn, GIVERS, missingGivers } from '../consentRule';
import { formatDate, useI18n } from '../i18n';
import { sortGroups } from './Dashboard';

/** The pupils among a group's members, sorted by name (German collation). */
export function pupilsOf(members: Member[]): Member['user'][] {
  return members
    .filter((m) => m.user.role === 'pupil' && m.user.status !== 'deleted')
    .map((m) => m.user)
    .sort((a, b) => a.display_name.localeCompare(b.display_name, 'de'));
}

export function Consents() {
  const { t } = useI18n();
  const classes = useLoad(() => api.groups('class'), []);
  const [classId, setClassId] = useState('');

  // Preselect the first class once the list is there.
  useEffect(() => {
    if (!classId && classes.data && classes.data.length > 0) setClassId(sortGroups(classes.data)[0]!.id);
  }, [classes.data]);

  return (
    <div class="page" data-testid="consents-page">
      <header class="page-head">
        <h1>{t('consents.title')}</h1>
        <p class="muted">{t('consents.intro')}</p>
      </header>
      <section class="card">
        <ErrorBox error={classes.error} />
        {classes.loading && !classes.data ? (
          <Loading />
        ) : classes.data && classes.data.length === 0 ? (
          <p class="empty">{t('consents.noClasses')}</p>
        ) : (
          <div class="toolbar">
            <div class="field">
              <label for="consent-class">{t('consents.class')}</label>
              <select id="consent-class" value={classId} onChange={(e) => setClassId(e.currentTarget.value)}>
                {sortGroups(classes.data ?? []).map((g) => (
                  <option key={g.id} value={g.id}>
                    {g.name}
                  </option>
                ))}
              </select>
            </div>
          </div>
        )}
        {classId && <ClassConsents key={classId} groupId={classId} />}
      </section>
    </div>
  );
}

function ClassConsents({ groupId }: { groupId: string }) {
  const { t, lang } = useI18n();
  const members = useLoad(() => api.members(groupId), [groupId]);
  const pupils = useMemo(() => pupilsOf(members.data ?? []), [members.data]);
  const [states, setStates] = useState<Record<string, ConsentState>>({});
  const [statesError, setStatesError] = useState<unknown>(null);
  const [ticked, setTicked] = useState<Set<string>>(new Set());
  const [giver, setGiver] = useState<ConsentGiver>('parents');
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  // Each pupil's consent state, asked once per member list.
  const ids = pupils.map((p) => p.id).join(',');
  useEffect(() => {
    let alive = true;
    setStatesError(null);
    Promise.all(pupils.map((p) => api.userConsents(p.id))).then(
      (list) => alive && setStates(Object.fromEntries(list.map((s) => [s.user_id, s]))),
      (err) => alive && setStatesError(err),
    );
    return () => {
      alive = false;
    };
  }, [ids]);

  const allTicked = pupils.length > 0 && pupils.every((p) => ticked.has(p.id));
  const toggle = (id: string, on: boolean) => {
    const next = new Set(ticked);
    if (on) next.add(id);
    else next.delete(id);
    setTicked(next);
  };

  const submit = async (given: boolean) => {
    setBusy(true);
    setError(null);
    setNotice(null);
    setConfirming(false);
    const userIds = pupils.filter((p) => ticked.has(p.id)).map((p) => p.id);
    try {
      const answer = await api.setConsents(userIds, giver, given);
      setStates((old) => ({ ...old, ...Object.fromEntries(answer.map((s) => [s.user_id, s])) }));
      const params = { n: userIds.length, giver: t(`giver.${giver}`) };
      setNotice(t(given ? 'consents.recorded' : 'consents.withdrawn', params));
      setTicked(new Set());
      members.reload(); // statuses follow the consents
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (members.loading && !members.data) return <Loading />;
  const today = new Date();
  const giverLabel = (g: ConsentGiver) => t(`giver.${g}`);
  return (
    <div class="stack" data-testid="class-consents">
      <ErrorBox error={members.error ?? statesError} />
      {pupils.length === 0 ? (
        <p class="empty">{t('consents.noPupils')}</p>
      ) : (
        <div class="table-wrap">
          <p class="muted small tally" data-testid="consent-tally">
            {t('consents.tally', {
              n: pupils.length,
              missing: pupils.filter((p) => states[p.id] && !states[p.id]!.satisfied).length,
            })}
          </p>
          <table class="table" data-testid="consent-table">
            <thead>
              <tr>
                <th scope="col" class="col-check">
                  <label class="check check-inline">
                    <input
                      type="checkbox"
                      checked={allTicked}
                      onChange={(e) => setTicked(e.currentTarget.checked ? new Set(pupils.map((p) => p.id)) : new Set())}
                    />
                    {t('consents.all')}
                  </label>
                </th>
                <th scope="col">{t('consents.pupil')}</th>
                <th scope="col">{t('consents.birthDate')}</th>
                <th scope="col">{t('users.status')}</th>
                <th scope="col">{t('consents.required')}</th>
                <th scope="col">{t('consents.present')}</th>
              </tr>
            </thead>
            <tbody>
              {pupils.map((p) => {
                const s = states[p.id];
                const missing = s ? missingGivers(s.required, s.present) : [];
                const age = ageOn(p.birth_date, today);
                return (
                  <tr key={p.id} data-testid={`consent-row-${p.login}`} class={ticked.has(p.id) ? 'row-selected' : ''}>
                    <td class="col-check">
                      <input
                        type="checkbox"
                        aria-label={p.display_name}
                        checked={ticked.has(p.id)}
                        onChange={(e) => toggle(p.id, e.currentTarget.checked)}
                      />
                    </td>
                    <td>
                      <strong>{p.display_name}</strong>
                      <div class="muted small">{p.login}</div>
                    </td>
                    <td>
                      {p.birth_date ? formatDate(lang, p.birth_date) : '–'}
                      {age !== null && <div class="muted small">{t('consents.age', { n: age })}</div>}
                    </td>
                    <td>
                      <Badge kind={`status-${p.status}`}>{t(`status.${p.status}`)}</Badge>
                    </td>
                    <td>{s ? s.required.map(giverLabel).join(' + ') : '…'}</td>
                    <td>
                      {!s ? (
                        '…'
                      ) : (
                        <div class="badges">
                          {s.present.map((g) => (
                            <Badge key={g} kind="consent">
                              ✓ {giverLabel(g)}
                            </Badge>
                          ))}
                          {missing.length > 0 && (
                            <Badge kind="missing">{t('consents.missing', { who: missing.map(giverLabel).join(' + ') })}</Badge>
                          )}
                        </div>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}

      {pupils.length > 0 && (
        <div class="action-bar" data-testid="consent-actions">
          <fieldset class="radio-group">
            <legend>{t('consents.giver')}</legend>
            {GIVERS.map((g) => (
              <label key={g} class="check">
                <input type="radio" name="consent-giver" checked={giver === g} onChange={() => setGiver(g)} />
                {giverLabel(g)}
              </label>
            ))}
          </fieldset>
          <span class="muted">{t('consents.selected', { n: ticked.size })}</span>
          <div class="row action-buttons">
            {confirming ? (
              <span class="confirm">
                <span>{t('consents.confirmWithdraw', { n: ticked.size, giver: giverLabel(giver) })}</span>
                <button type="button" class="btn btn-danger btn-small" disabled={busy} onClick={() => submit(false)}>
                  {t('consents.confirmYes')}
                </button>
                <button type="button" class="btn btn-small" onClick={() => setConfirming(false)}>
                  {t('common.cancel')}
                </button>
              </span>
            ) : (
              <>
                <button
                  type="button"
                  class="btn btn-danger-outline"
                  disabled={busy || ticked.size === 0}
                  onClick={() => setConfirming(true)}
                >
                  {t('consents.withdraw')}
                </button>
                <button type="button" class="btn btn-primary" disabled={busy || ticked.size === 0} onClick={() => submit(true)}>
                  {t('consents.record')}
                </button>
              </>
            )}
          </div>
        </div>
      )}
      {notice && <Notice>{notice}</Notice>}
      <ErrorBox error={error} />
    </div>
  );
}
