// Editor page of one live document (/documents/:id): loads its metadata, then the live editor
// (documents/LiveEditor.tsx, a separate chunk so the app shell stays small).
import type { FunctionComponent } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Me } from '../api';
import { ErrorBox, Link, Loading, useLoad } from '../components';
import { docApi, type LiveDocument } from '../documents/api';
import { colorForUser, type AwarenessUser } from '../documents/presenceColors';
import { useI18n } from '../i18n';

type LiveEditorProps = { me: Me; meta: LiveDocument; user: AwarenessUser };
let liveEditorModule: Promise<FunctionComponent<LiveEditorProps>> | null = null;
const loadLiveEditor = () => (liveEditorModule ??= import('../documents/LiveEditor').then((m) => m.LiveEditor));

export function DocumentEditorPage({ me, id }: { me: Me; id: string }) {
  const { t } = useI18n();
  const meta = useLoad(() => docApi.get(id), [id]);
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

  return (
    <div class="page document-page" data-testid="document-page">
      <Link href="/documents" class="back-link">
        {t('doc.back')}
      </Link>
      <ErrorBox error={meta.error ?? loadError} />
      {(meta.loading || !LiveEditor) && !meta.error && !loadError && <Loading />}
      {meta.data && LiveEditor && <LiveEditor key={id} me={me} meta={meta.data} user={user} />}
    </div>
  );
}
