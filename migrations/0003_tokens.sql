-- Berth schema, version 3: bearer tokens for the API.
-- Only a SHA-256 hash of each secret is kept, so a copy of the database (or a backup) does not
-- let anyone in. An agent token is bound to the one node it may act for; the other roles are
-- not. Revoking keeps the row (for `berth token ls`) and stamps revoked_at.
CREATE TABLE tokens (
    id          TEXT PRIMARY KEY,
    hash        TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'reader', 'agent')),
    node        TEXT,
    description TEXT NOT NULL DEFAULT '',
    created_at  REAL NOT NULL,
    revoked_at  REAL,
    CHECK ((role = 'agent') = (node IS NOT NULL))
);
