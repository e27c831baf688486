// Typed client for the live documents API (docs/documents.md): documents, shares, trash, versions, authors.
import { query, request, send } from '../api';
import type { Module } from '../api';

export type DocumentKind = 'office' | 'text' | 'board';
export type Access = 'read' | 'write';
export type MyAccess = 'owner' | Access;
export type DocumentView = 'mine' | 'shared' | 'trash';

/** The kinds in the order the UI offers them, with the module that switches each on. */
export const KINDS: readonly DocumentKind[] = ['office', 'text', 'board'];
export const KIND_MODULE: Record<DocumentKind, Module> = { office: 'documents', text: 'texts', board: 'boards' };

export type Share = ({ group_id: string } | { user_id: string }) & { access: Access };

export interface LiveDocument {
  id: string;
  kind: DocumentKind;
  title: string;
  owner_id: string;
  owner_name: string;
  my_access: MyAccess;
  /** Only for the owner. */
  shares: Share[] | null;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

export interface Version {
  id: string;
  name: string | null;
  auto: boolean;
  created_at: number;
  created_by: { id: string; name: string } | null;
  size_bytes: number;
}

export interface Author {
  user_id: string;
  name: string;
  updates: number;
  last_edit_at: number;
}

const enc = encodeURIComponent;
const base = (id: string) => `/api/documents/${enc(id)}`;

export const docApi = {
  list: (view: DocumentView) => request<{ documents: LiveDocument[] }>('GET', `/api/documents${query({ view })}`),
  create: (kind: DocumentKind, title: string) => request<LiveDocument>('POST', '/api/documents', { kind, title }),
  get: (id: string) => request<LiveDocument>('GET', base(id)),
  rename: (id: string, title: string) => request<LiveDocument>('PATCH', base(id), { title }),
  share: (id: string, shares: Share[]) => request<LiveDocument>('PUT', `${base(id)}/shares`, { shares }),
  remove: (id: string) => request<void>('DELETE', base(id)),
  restore: (id: string) => request<LiveDocument>('POST', `${base(id)}/restore`),

  versions: (id: string) => request<{ versions: Version[] }>('GET', `${base(id)}/versions`),
  nameVersion: (id: string, name: string) => request<Version>('POST', `${base(id)}/versions`, { name }),
  restoreVersion: (id: string, version: string) =>
    request<Version>('POST', `${base(id)}/versions/${enc(version)}/restore`),
  /** The version as one Yjs update (v1). */
  versionContent: async (id: string, version: string): Promise<Uint8Array> => {
    const res = await send(`${base(id)}/versions/${enc(version)}/content`, {
      method: 'GET',
      headers: { Accept: 'application/octet-stream' },
    });
    return new Uint8Array(await res.arrayBuffer());
  },
  authors: (id: string) => request<{ authors: Author[] }>('GET', `${base(id)}/authors`),
};

/** The editor page of a document. */
export function documentHref(id: string): string {
  return `/documents/${enc(id)}`;
}
