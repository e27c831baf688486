-- The directory: schools (tenants), users, groups, memberships, parent links, login sessions and
-- WebSocket tickets. Portable SQL: it runs unchanged on SQLite and PostgreSQL. IDs are UUID text,
-- times are integer milliseconds since the Unix epoch, booleans are 0/1 integers.

CREATE TABLE schools (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    slug        TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL
);

CREATE TABLE users (
    id                    TEXT PRIMARY KEY,
    school_id             TEXT NOT NULL REFERENCES schools (id),
    login                 TEXT NOT NULL,
    display_name          TEXT NOT NULL,
    role                  TEXT NOT NULL CHECK (role IN ('pupil', 'teacher', 'parent', 'admin')),
    status                TEXT NOT NULL CHECK (status IN ('active', 'restricted', 'inactive', 'deleted')),
    import_id             TEXT,
    birth_date            TEXT,
    password_hash         TEXT NOT NULL,
    must_change_password  BIGINT NOT NULL DEFAULT 0,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL,
    CONSTRAINT users_login_unique UNIQUE (school_id, login)
);
CREATE UNIQUE INDEX users_import_id_unique ON users (school_id, import_id) WHERE import_id IS NOT NULL;
CREATE INDEX users_login ON users (login);

CREATE TABLE school_groups (
    id          TEXT PRIMARY KEY,
    school_id   TEXT NOT NULL REFERENCES schools (id),
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('class', 'course', 'custom')),
    owner_id    TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at  BIGINT NOT NULL,
    CONSTRAINT school_groups_name_unique UNIQUE (school_id, name)
);

CREATE TABLE memberships (
    group_id    TEXT NOT NULL REFERENCES school_groups (id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    school_id   TEXT NOT NULL REFERENCES schools (id),
    role        TEXT NOT NULL CHECK (role IN ('member', 'leader')),
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE parent_links (
    parent_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    child_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    school_id   TEXT NOT NULL REFERENCES schools (id),
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (parent_id, child_id)
);
CREATE INDEX parent_links_child ON parent_links (child_id);

CREATE TABLE sessions (
    id            TEXT PRIMARY KEY,
    token_hash    TEXT NOT NULL UNIQUE,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    school_id     TEXT NOT NULL REFERENCES schools (id),
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    user_agent    TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE ws_tickets (
    ticket_hash  TEXT PRIMARY KEY,
    session_id   TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    expires_at   BIGINT NOT NULL
);
