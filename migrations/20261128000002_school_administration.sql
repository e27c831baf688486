-- School administration: consent records, module switches, audit log, login events (with IP
-- addresses, kept only for a short time), import column profiles, the one-time credentials of an
-- import, and the fields the leaver workflow needs on users.

ALTER TABLE users ADD COLUMN email TEXT;
ALTER TABLE users ADD COLUMN deactivated_at BIGINT;

-- Who consented to the platform use of a pupil, and when. A record is never updated except to
-- mark it withdrawn, so the history stays visible.
CREATE TABLE consents (
    id            TEXT PRIMARY KEY,
    school_id     TEXT NOT NULL REFERENCES schools (id),
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    given_by      TEXT NOT NULL CHECK (given_by IN ('parents', 'pupil')),
    recorded_by   TEXT,
    recorded_at   BIGINT NOT NULL,
    withdrawn_at  BIGINT
);
CREATE INDEX consents_user ON consents (user_id);

CREATE TABLE school_modules (
    school_id   TEXT NOT NULL REFERENCES schools (id),
    module      TEXT NOT NULL,
    enabled     BIGINT NOT NULL,
    changed_by  TEXT,
    changed_at  BIGINT NOT NULL,
    PRIMARY KEY (school_id, module)
);

CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    school_id   TEXT NOT NULL REFERENCES schools (id),
    at          BIGINT NOT NULL,
    actor_id    TEXT,
    actor_login TEXT NOT NULL,
    action      TEXT NOT NULL,
    target_id   TEXT,
    summary     TEXT NOT NULL
);
CREATE INDEX audit_log_school_at ON audit_log (school_id, at);
CREATE INDEX audit_log_target ON audit_log (target_id);

CREATE TABLE login_events (
    id         TEXT PRIMARY KEY,
    school_id  TEXT REFERENCES schools (id),
    user_id    TEXT REFERENCES users (id) ON DELETE CASCADE,
    ip         TEXT NOT NULL,
    at         BIGINT NOT NULL,
    outcome    TEXT NOT NULL
);
CREATE INDEX login_events_at ON login_events (at);
CREATE INDEX login_events_user ON login_events (user_id);

CREATE TABLE import_profiles (
    school_id   TEXT NOT NULL REFERENCES schools (id),
    kind        TEXT NOT NULL CHECK (kind IN ('pupils', 'teachers', 'parents')),
    mapping     TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (school_id, kind)
);

-- Initial passwords of accounts an import created, for the printable sheet. Deleted when the
-- admin discards them, and at the latest when they expire.
CREATE TABLE import_credentials (
    run_id        TEXT NOT NULL,
    school_id     TEXT NOT NULL REFERENCES schools (id),
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    class_name    TEXT,
    login         TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    password      TEXT NOT NULL,
    expires_at    BIGINT NOT NULL,
    PRIMARY KEY (run_id, user_id)
);
