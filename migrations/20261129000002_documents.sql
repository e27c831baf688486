-- Live documents as objects: office documents, texts and whiteboards with their owner and shares
-- (with groups or single users, read or write). Deleting moves a document to the trash
-- (deleted_at); the Yjs content and its log come with the live-document rooms.

CREATE TABLE documents (
    id          TEXT PRIMARY KEY,
    school_id   TEXT NOT NULL REFERENCES schools (id),
    kind        TEXT NOT NULL CHECK (kind IN ('office', 'text', 'board')),
    title       TEXT NOT NULL,
    owner_id    TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    deleted_at  BIGINT
);
CREATE INDEX documents_owner ON documents (owner_id);

CREATE TABLE document_shares (
    document_id  TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    group_id     TEXT REFERENCES school_groups (id) ON DELETE CASCADE,
    user_id      TEXT REFERENCES users (id) ON DELETE CASCADE,
    access       TEXT NOT NULL CHECK (access IN ('read', 'write')),
    created_at   BIGINT NOT NULL,
    CHECK ((group_id IS NULL) <> (user_id IS NULL))
);
CREATE UNIQUE INDEX document_shares_group ON document_shares (document_id, group_id) WHERE group_id IS NOT NULL;
CREATE UNIQUE INDEX document_shares_user ON document_shares (document_id, user_id) WHERE user_id IS NOT NULL;
CREATE INDEX document_shares_by_group ON document_shares (group_id);
CREATE INDEX document_shares_by_user ON document_shares (user_id);
