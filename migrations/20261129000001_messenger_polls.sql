-- Messenger (chat rooms, messages, reactions, read markers) and quick polls. Portable SQL like the
-- other migrations. A class room's ID is its group's ID and its members are the group's members
-- (no chat_members rows): membership follows the group, imports included.

ALTER TABLE schools ADD COLUMN pupil_direct_chats BIGINT NOT NULL DEFAULT 1;

CREATE TABLE chat_rooms (
    id          TEXT PRIMARY KEY,
    school_id   TEXT NOT NULL REFERENCES schools (id),
    kind        TEXT NOT NULL CHECK (kind IN ('direct', 'group', 'class')),
    title       TEXT NOT NULL,
    owner_id    TEXT REFERENCES users (id) ON DELETE SET NULL,
    -- direct rooms: "<smaller user id>|<larger user id>", so a pair has one room
    direct_key  TEXT UNIQUE,
    muted       BIGINT NOT NULL DEFAULT 0,
    last_seq    BIGINT NOT NULL DEFAULT 0,
    last_at     BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX chat_rooms_school ON chat_rooms (school_id);

CREATE TABLE chat_members (
    room_id     TEXT NOT NULL REFERENCES chat_rooms (id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('owner', 'member')),
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (room_id, user_id)
);
CREATE INDEX chat_members_user ON chat_members (user_id);

CREATE TABLE chat_messages (
    id          TEXT PRIMARY KEY,
    room_id     TEXT NOT NULL REFERENCES chat_rooms (id) ON DELETE CASCADE,
    seq         BIGINT NOT NULL,
    sender_id   TEXT REFERENCES users (id) ON DELETE SET NULL,
    text        TEXT NOT NULL,
    reply_to    TEXT,
    mentions    TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    edited_at   BIGINT,
    deleted_at  BIGINT,
    CONSTRAINT chat_messages_seq_unique UNIQUE (room_id, seq)
);

CREATE TABLE chat_reactions (
    message_id  TEXT NOT NULL REFERENCES chat_messages (id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    emoji       TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (message_id, user_id, emoji)
);

CREATE TABLE chat_reads (
    room_id     TEXT NOT NULL REFERENCES chat_rooms (id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    read_seq    BIGINT NOT NULL,
    PRIMARY KEY (room_id, user_id)
);

CREATE TABLE polls (
    id                TEXT PRIMARY KEY,
    school_id         TEXT NOT NULL REFERENCES schools (id),
    owner_id          TEXT REFERENCES users (id) ON DELETE SET NULL,
    group_id          TEXT REFERENCES school_groups (id) ON DELETE CASCADE,
    room_id           TEXT REFERENCES chat_rooms (id) ON DELETE CASCADE,
    question          TEXT NOT NULL,
    -- the options, one per line
    options           TEXT NOT NULL,
    multiple          BIGINT NOT NULL,
    anonymous         BIGINT NOT NULL,
    hide_results      BIGINT NOT NULL,
    duration_seconds  BIGINT,
    state             TEXT NOT NULL CHECK (state IN ('draft', 'open', 'closed')),
    -- bumped by every vote: live results carry it so clients keep the newest
    version           BIGINT NOT NULL DEFAULT 0,
    -- anonymous polls: the key that turns a voter into a ballot key; erased at closing
    ballot_salt       TEXT,
    created_at        BIGINT NOT NULL,
    opened_at         BIGINT,
    closes_at         BIGINT,
    closed_at         BIGINT
);
CREATE INDEX polls_group ON polls (group_id);
CREATE INDEX polls_room ON polls (room_id);
CREATE INDEX polls_closing ON polls (state, closes_at);

-- One ballot per voter and poll. Named polls: voter_key is the user ID and voter_id is set.
-- Anonymous polls: voter_key is a keyed hash of the user ID (the key is erased when the poll
-- closes) and voter_id is NULL, so no query links a person to a choice.
CREATE TABLE poll_ballots (
    poll_id    TEXT NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    voter_key  TEXT NOT NULL,
    voter_id   TEXT REFERENCES users (id) ON DELETE SET NULL,
    -- chosen option indexes, comma-separated, ascending
    choices    TEXT NOT NULL,
    PRIMARY KEY (poll_id, voter_key)
);
