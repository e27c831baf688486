// Editor page of one live document (/documents/:id): loads its metadata, then the live editor
// (documents/LiveEditor.tsx, a separate chunk so the app shell stays small). The metadata is refreshed
// on focus and every 60 s while visible, so a rename by someone else shows up (there is no event for it).
import type { FunctionComponent } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Me } from '../api';
import { ErrorBox, Link, Loading, useLoad } from '../components';
import { docApi, type LiveDocument } from '../documents/api';
import { colorForUser, type AwarenessUser } from '../documents/presenceColors';
import { useVisibleRefresh } from '../documents/visibleRefresh';
import { useI18n } from '../i18n';

type LiveEditorProps = { me: Me; meta: LiveDocument; user: AwarenessUser; onMeta: (d: LiveDocument) => void };
let liveEditorModule: Promise<FunctionComponent<LiveEditorProps>> | null = null;
const loadLiveEditor = () => (liveEditorModule ??= import('../documents/LiveEditor').then((m) => m.LiveEditor));

export function DocumentEditorPage({ me, id }: { me: Me; id: string }) {
  const { t } = useI18n();
  const meta = useLoad(() => docApi.get(id), [id]);
  // The newest metadata after the first load: from a rename here or a background refresh.
  const [fresh, setFresh] = useState<{ route: string; doc: LiveDocument } | null>(null);
  // Bumped by every local update, so a refresh started before it cannot bring back an older title.
  const generation = useRef(0);
  const current = fresh?.route === id ? fresh.doc : meta.data;
  const [LiveEditor, setLiveEditor] = useState<FunctionComponent<LiveEditorProps> | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const user = useMemo<AwarenessUser>(
    () => ({ id: me.user.id, name: me.user.display_name, color: colorForUser(me.user.id) }),
    [me.user.id, me.user.display_name],
  );

  useEffect(() => {
    loadLiveEditor().then(
      (component) => setLiveEditor(() => component),
      (err) => setLoadError(err),
    );
  }, []);

  const onMeta = (d: LiveDocument, route = id) => {
    generation.current++;
    setFresh({ route, doc: d });
  };
  useVisibleRefresh(
    () => {
      if (!meta.data) return;
      const started = generation.current;
      const route = id;
      // Failures are left to the live connection's banners (no access, in the trash, offline).
      return docApi.get(route).then(
        (d) => {
          // Unchanged metadata is not set again (no re-render of the editor every minute).
          if (generation.current === started && JSON.stringify(d) !== JSON.stringify(current)) onMeta(d, route);
        },
        () => {},
      );
    },
    60_000,
    [id],
  );

  return (
    <div class="page document-page" data-testid="document-page">
      <Link href="/documents" class="back-link">
        {t('doc.back')}
      </Link>
      <ErrorBox error={meta.error ?? loadError} />
      {(meta.loading || !LiveEditor) && !meta.error && !loadError && <Loading />}
      {current && LiveEditor && <LiveEditor key={id} me={me} meta={current} user={user} onMeta={onMeta} />}
    </div>
  );
}
