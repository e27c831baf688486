// Typed client for the import endpoints of docs/api.md: preview, streamed apply, credentials, mapping profiles.
import { ApiError, request, send } from './api';
import { readNdjson } from './ndjson';

export type ImportKind = 'pupils' | 'teachers' | 'parents';
export const IMPORT_KINDS: readonly ImportKind[] = ['pupils', 'teachers', 'parents'];

/** The column mapping: logical field → header name of the file. */
export interface ColumnMapping {
  import_id: string;
  last_name: string;
  first_name: string;
  call_name?: string;
  class?: string;
  birth_date?: string;
  status?: string;
  login?: string;
  email?: string;
  child_import_id?: string;
}
export type MappingField = keyof ColumnMapping;
export const MAPPING_FIELDS: readonly MappingField[] = [
  'import_id',
  'last_name',
  'first_name',
  'call_name',
  'class',
  'birth_date',
  'status',
  'login',
  'email',
  'child_import_id',
];
export const REQUIRED_MAPPING_FIELDS: readonly MappingField[] = ['import_id', 'last_name', 'first_name'];

export interface PlanSummary {
  creates: number;
  updates: number;
  moves: number;
  class_creates: number;
  class_renames: number;
  deactivations: number;
  reactivations: number;
  parent_links: number;
  parent_unlinks: number;
  skipped_leavers: number;
  rejected: number;
}

export interface PlannedCreate {
  line: number;
  import_id: string;
  login: string;
  display_name: string;
  class: string | null;
  birth_date: string | null;
  email: string | null;
  child_import_ids: string[];
}
export interface FieldChange {
  field: string;
  old: string | null;
  new: string | null;
}
export interface PlannedUpdate {
  line: number;
  user_id: string;
  import_id: string;
  display_name?: string;
  changes: FieldChange[];
}
export interface ClassMove {
  line: number;
  user_id: string;
  import_id: string;
  display_name: string;
  from: string | null;
  to: string;
}
export interface Deactivation {
  user_id: string;
  import_id: string;
  display_name: string;
  reason: { kind: 'missing_from_file' } | { kind: 'left'; schild_status: number };
}
export interface Reactivation {
  line: number;
  user_id: string;
  import_id: string;
  display_name: string;
}
export interface ParentLink {
  parent_import_id: string;
  child_import_id: string;
}
export interface SkippedRecord {
  line: number;
  import_id: string;
}
export interface RejectedLine {
  line: number;
  import_id: string | null;
  reason: { code: string; [detail: string]: unknown };
  message: string;
  message_de: string;
}

export interface ImportPlan {
  kind: ImportKind;
  creates: PlannedCreate[];
  updates: PlannedUpdate[];
  moves: ClassMove[];
  class_renames: { from: string; to: string }[];
  class_creates: string[];
  deactivations: Deactivation[];
  reactivations: Reactivation[];
  parent_links: ParentLink[];
  parent_unlinks: ParentLink[];
  skipped_leavers: SkippedRecord[];
  skipped_deleted?: SkippedRecord[];
  rejected: RejectedLine[];
}

export interface ImportPreview {
  file: { encoding: string; separator: string; headers: string[]; mapping: ColumnMapping; records: number };
  summary: PlanSummary;
  plan: ImportPlan;
}

export interface ApplyResult {
  run_id: string;
  summary: PlanSummary;
  credentials: number;
  unresolved_links: ParentLink[];
}

export type ApplyEvent =
  | { type: 'progress'; done: number; total: number }
  | { type: 'done'; result: ApplyResult }
  | { type: 'error'; error: { code: string; message: string; message_de?: string } };

const enc = encodeURIComponent;

/** The file goes as the raw request body; the server detects encoding and separator itself. */
function upload(file: Blob): RequestInit {
  return {
    method: 'POST',
    headers: { Accept: 'application/json, application/x-ndjson', 'Content-Type': 'application/octet-stream' },
    body: file,
  };
}

/** Dry run: what importing the file would change. Nothing is written. */
export async function previewImport(kind: ImportKind, file: Blob): Promise<ImportPreview> {
  const res = await send(`/api/import/preview?kind=${enc(kind)}`, upload(file));
  return (await res.json()) as ImportPreview;
}

/** Thrown when the progress stream ends without a final `done` or `error` line. */
export const STREAM_CUT = new ApiError(
  0,
  'stream_interrupted',
  'The connection broke off before the import finished. The import runs to its end on the server (all or nothing): check the audit log before trying again.',
  'Die Verbindung ist abgebrochen, bevor der Import fertig war. Der Import läuft auf dem Server zu Ende (alles oder nichts): Bitte erst im Protokoll nachsehen, bevor er wiederholt wird.',
);

/**
 * Applies the file. The answer is a stream of JSON lines: progress snapshots go to `onProgress`,
 * the final `done` line resolves, an `error` line rejects with an ApiError.
 */
export async function applyImport(
  kind: ImportKind,
  file: Blob,
  onProgress: (done: number, total: number) => void,
): Promise<ApplyResult> {
  const res = await send(`/api/import/apply?kind=${enc(kind)}`, upload(file));
  if (!res.body) throw STREAM_CUT;
  let outcome: ApplyResult | ApiError | null = null;
  await readNdjson(res.body, (value) => {
    const event = value as ApplyEvent;
    if (event.type === 'progress') onProgress(event.done, event.total);
    else if (event.type === 'done') outcome = event.result;
    else if (event.type === 'error') {
      const e = event.error;
      outcome = new ApiError(500, e.code, e.message, e.message_de);
    }
  }).catch(() => {
    // A broken stream is reported below unless the final line already arrived.
  });
  const final = outcome as ApplyResult | ApiError | null;
  if (final instanceof ApiError) throw final;
  if (!final) throw STREAM_CUT;
  return final;
}

export const credentialsUrl = (runId: string, format: 'html' | 'csv') =>
  `/api/import/runs/${enc(runId)}/credentials.${format}`;

export const discardCredentials = (runId: string) =>
  request<void>('DELETE', `/api/import/runs/${enc(runId)}/credentials`);

/** The saved column mapping of a kind, or null when none is saved yet (404). */
export async function loadProfile(kind: ImportKind): Promise<ColumnMapping | null> {
  try {
    return await request<ColumnMapping>('GET', `/api/import/profiles/${enc(kind)}`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

export const saveProfile = (kind: ImportKind, mapping: ColumnMapping) =>
  request<ColumnMapping>('PUT', `/api/import/profiles/${enc(kind)}`, mapping);
