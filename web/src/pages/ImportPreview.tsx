// The preview of an import: file facts, summary counts and one collapsible table per kind of change.
import { Fragment, type ComponentChildren } from 'preact';
import { Badge } from '../components';
import { formatDate, useI18n, type MessageKey } from '../i18n';
import type { ImportPreview, ParentLink } from '../importApi';
import { deactivationReason, mappingRows, planHasChanges, rejectedMessage, separatorLabel, summaryItems } from '../importSummary';

/** Sections with at most this many rows start open. */
const OPEN_UP_TO = 40;

export function PreviewView({ preview, children }: { preview: ImportPreview; children?: ComponentChildren }) {
  const { t, lang } = useI18n();
  const { file, plan, summary } = preview;
  const date = (d: string | null) => (d ? formatDate(lang, d) : '–');
  const items = summaryItems(summary, t);
  const changes = planHasChanges(summary);

  return (
    <section class="card preview" aria-labelledby="preview-title" data-testid="import-preview">
      <h2 id="preview-title">{t('import.previewTitle')}</h2>

      <div class="preview-head">
        <dl class="facts file-facts" data-testid="import-file-info">
          <dt>{t('import.encoding')}</dt>
          <dd>
            <code>{file.encoding}</code>
          </dd>
          <dt>{t('import.separator')}</dt>
          <dd>{separatorLabel(file.separator, t)}</dd>
          <dt>{t('import.records')}</dt>
          <dd data-testid="import-records">{file.records}</dd>
        </dl>
        <div class="mapping-box">
          <h3 class="small-heading">{t('import.detectedMapping')}</h3>
          <dl class="facts mapping-facts" data-testid="import-mapping">
            {mappingRows(file.mapping).map(([field, header]) => (
              <Fragment key={field}>
                <dt>{t(`import.field.${field}`)}</dt>
                <dd>
                  <code>{header}</code>
                </dd>
              </Fragment>
            ))}
          </dl>
        </div>
      </div>

      <div class="summary-chips" data-testid="import-summary">
        {!changes && (
          <span class="chip chip-none" data-testid="import-no-changes">
            {t('import.noChanges')}
          </span>
        )}
        {items.map((i) => (
          <span key={i.field} class={`chip chip-${i.field}`} data-field={i.field}>
            {i.text}
          </span>
        ))}
      </div>

      <Section id="rejected" title="import.sec.rejected" count={plan.rejected.length} tone="warn" open>
        <Table head={['import.col.line', 'import.col.importId', 'import.col.message']}>
          {plan.rejected.map((r) => (
            <tr key={`${r.line}-${r.reason.code}`} data-testid={`rejected-line-${r.line}`}>
              <td class="num">{r.line}</td>
              <td>{r.import_id ? <code>{r.import_id}</code> : '–'}</td>
              <td>{rejectedMessage(r, lang)}</td>
            </tr>
          ))}
        </Table>
      </Section>

      <Section id="creates" title="import.sec.creates" count={plan.creates.length}>
        <Table head={['import.col.line', 'common.name', 'users.login', 'import.col.class', 'import.col.birthDate', 'import.col.importId']}>
          {plan.creates.map((c) => (
            <tr key={c.import_id}>
              <td class="num">{c.line}</td>
              <td>
                <strong>{c.display_name}</strong>
                {c.child_import_ids.length > 0 && (
                  <div class="muted small">{t('import.children', { ids: c.child_import_ids.join(', ') })}</div>
                )}
              </td>
              <td>
                <code>{c.login}</code>
              </td>
              <td>{c.class ?? '–'}</td>
              <td>{date(c.birth_date)}</td>
              <td>
                <code>{c.import_id}</code>
              </td>
            </tr>
          ))}
        </Table>
      </Section>

      <Section id="class-creates" title="import.sec.classCreates" count={plan.class_creates.length}>
        <div class="badges" data-testid="new-classes">
          {plan.class_creates.map((c) => (
            <Badge key={c} kind="class">
              {c}
            </Badge>
          ))}
        </div>
      </Section>

      <Section id="class-renames" title="import.sec.classRenames" count={plan.class_renames.length}>
        <Table head={['import.col.old', 'import.col.new']}>
          {plan.class_renames.map((r) => (
            <tr key={r.from}>
              <td>{r.from}</td>
              <td>
                <Arrow /> <strong>{r.to}</strong>
              </td>
            </tr>
          ))}
        </Table>
      </Section>

      <Section id="updates" title="import.sec.updates" count={plan.updates.length}>
        <Table head={['import.col.line', 'import.col.importId', 'import.col.changes']}>
          {plan.updates.map((u) => (
            <tr key={u.user_id}>
              <td class="num">{u.line}</td>
              <td>
                <code>{u.import_id}</code>
              </td>
              <td>
                {u.changes.map((c) => (
                  <div key={c.field} class="change">
                    <span class="muted">{fieldLabel(c.field, t)}:</span> <del>{c.old ?? '–'}</del> <Arrow />{' '}
                    <ins>{c.new ?? '–'}</ins>
                  </div>
                ))}
              </td>
            </tr>
          ))}
        </Table>
      </Section>

      <Section id="moves" title="import.sec.moves" count={plan.moves.length}>
        <Table head={['import.col.line', 'common.name', 'import.col.from', 'import.col.to']}>
          {plan.moves.map((m) => (
            <tr key={m.user_id}>
              <td class="num">{m.line}</td>
              <td>{m.display_name}</td>
              <td>{m.from ?? '–'}</td>
              <td>
                <Arrow /> <strong>{m.to}</strong>
              </td>
            </tr>
          ))}
        </Table>
      </Section>

      <Section id="deactivations" title="import.sec.deactivations" count={plan.deactivations.length} tone="warn">
        <Table head={['common.name', 'import.col.importId', 'import.col.reason']}>
          {plan.deactivations.map((d) => (
            <tr key={d.user_id}>
              <td>{d.display_name}</td>
              <td>
                <code>{d.import_id}</code>
              </td>
              <td>{deactivationReason(d.reason, t)}</td>
            </tr>
          ))}
        </Table>
      </Section>

      <Section id="reactivations" title="import.sec.reactivations" count={plan.reactivations.length}>
        <Table head={['import.col.line', 'common.name', 'import.col.importId']}>
          {plan.reactivations.map((r) => (
            <tr key={r.user_id}>
              <td class="num">{r.line}</td>
              <td>{r.display_name}</td>
              <td>
                <code>{r.import_id}</code>
              </td>
            </tr>
          ))}
        </Table>
      </Section>

      <Section id="parent-links" title="import.sec.parentLinks" count={plan.parent_links.length}>
        <Links links={plan.parent_links} />
      </Section>
      <Section id="parent-unlinks" title="import.sec.parentUnlinks" count={plan.parent_unlinks.length}>
        <Links links={plan.parent_unlinks} />
      </Section>

      <Section id="skipped-leavers" title="import.sec.skippedLeavers" count={plan.skipped_leavers.length}>
        <Table head={['import.col.line', 'import.col.importId']}>
          {plan.skipped_leavers.map((s) => (
            <tr key={s.import_id}>
              <td class="num">{s.line}</td>
              <td>
                <code>{s.import_id}</code>
              </td>
            </tr>
          ))}
        </Table>
      </Section>

      {children}
    </section>
  );
}

function fieldLabel(field: string, t: (k: MessageKey) => string): string {
  return field === 'display_name' ? t('users.displayName') : field === 'birth_date' ? t('import.col.birthDate') : field;
}

function Arrow() {
  return (
    <span class="arrow" aria-label="→">
      →
    </span>
  );
}

function Section(props: { id: string; title: MessageKey; count: number; tone?: 'warn'; open?: boolean; children: ComponentChildren }) {
  const { t } = useI18n();
  if (props.count === 0) return null;
  return (
    <details class={`plan-section ${props.tone ?? ''}`} open={props.open || props.count <= OPEN_UP_TO} data-testid={`plan-${props.id}`}>
      <summary>
        <span>{t(props.title)}</span>
        <span class="count-pill">{props.count}</span>
      </summary>
      <div class="plan-body">{props.children}</div>
    </details>
  );
}

function Table({ head, children }: { head: MessageKey[]; children: ComponentChildren }) {
  const { t } = useI18n();
  return (
    <div class="table-wrap">
      <table class="table table-compact">
        <thead>
          <tr>
            {head.map((h) => (
              <th key={h} scope="col">
                {t(h)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

function Links({ links }: { links: ParentLink[] }) {
  return (
    <Table head={['import.col.parent', 'import.col.child']}>
      {links.map((l) => (
        <tr key={`${l.parent_import_id}-${l.child_import_id}`}>
          <td>
            <code>{l.parent_import_id}</code>
          </td>
          <td>
            <Arrow /> <code>{l.child_import_id}</code>
          </td>
        </tr>
      ))}
    </Table>
  );
}
