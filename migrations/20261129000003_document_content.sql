-- The content of live documents: an append-only update log per document (written before the
-- server broadcasts an update), a snapshot that the log is compacted into, versions (automatic
-- and named) with who made them, per-user attribution, and reusable document tokens for
-- WebSocket clients that cannot send the session cookie. Binary columns are BYTEA (PostgreSQL);
-- SQLite stores the blobs unchanged.

ALTER TABLE documents ADD COLUMN log_seq BIGINT NOT NULL DEFAULT 0;

CREATE TABLE document_updates (
    document_id  TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    seq          BIGINT NOT NULL,
    data         BYTEA NOT NULL,
    user_id      TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (document_id, seq)
);

CREATE TABLE document_snapshots (
    document_id  TEXT PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
    upto_seq     BIGINT NOT NULL,
    state        BYTEA NOT NULL,
    created_at   BIGINT NOT NULL
);

CREATE TABLE document_versions (
    id           TEXT PRIMARY KEY,
    document_id  TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    name         TEXT,
    upto_seq     BIGINT NOT NULL,
    state        BYTEA NOT NULL,
    created_by   TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX document_versions_by_document ON document_versions (document_id, created_at);

CREATE TABLE document_authors (
    document_id   TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    updates       BIGINT NOT NULL,
    last_edit_at  BIGINT NOT NULL,
    PRIMARY KEY (document_id, user_id)
);

CREATE TABLE document_tokens (
    token_hash   TEXT PRIMARY KEY,
    session_id   TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    document_id  TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX document_tokens_by_session ON document_tokens (session_id);
