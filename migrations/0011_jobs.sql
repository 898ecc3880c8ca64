-- Berth schema 11: run-to-completion jobs (issue 21).
--
-- * `jobs` holds each job's spec (one JSON document: its template, counts, timings, constraints
--   and placement; only `parallelism` and `suspend` change after creation) and the status the
--   job controller keeps, in columns so a list needs no JSON decoding of it.
-- * A job's containers name it (`job`) with their completion index (`job_index`): the job
--   controller reads a job's containers by that index, and deleting a job deletes them.
-- * The event log learns the `job` kind (SQLite changes a CHECK by rebuilding the table).
CREATE TABLE jobs (
    name              TEXT PRIMARY KEY,
    spec              TEXT NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('pending', 'running', 'complete', 'failed', 'suspended')),
    reason            TEXT CHECK (reason IS NULL OR reason IN ('backoffLimitExceeded', 'deadlineExceeded')),
    active            INTEGER NOT NULL DEFAULT 0 CHECK (active >= 0),
    succeeded         INTEGER NOT NULL DEFAULT 0 CHECK (succeeded >= 0),
    failed            INTEGER NOT NULL DEFAULT 0 CHECK (failed >= 0),
    completed_indexes TEXT NOT NULL DEFAULT '',
    start_time        REAL,
    completion_time   REAL,
    create_index      INTEGER NOT NULL,
    modify_index      INTEGER NOT NULL
);

ALTER TABLE containers ADD COLUMN job TEXT;
ALTER TABLE containers ADD COLUMN job_index INTEGER CHECK (job_index IS NULL OR job_index >= 0);
CREATE INDEX containers_by_job ON containers (job, create_index, id) WHERE job IS NOT NULL;

CREATE TABLE events_v3 (
    seq          INTEGER PRIMARY KEY,
    change_index INTEGER NOT NULL CHECK (change_index > 0),
    kind         TEXT NOT NULL CHECK (kind IN ('node', 'service', 'container', 'network', 'lease', 'target', 'job')),
    name         TEXT NOT NULL,
    op           TEXT NOT NULL CHECK (op IN ('created', 'updated', 'deleted')),
    object       TEXT NOT NULL
);
INSERT INTO events_v3 SELECT seq, change_index, kind, name, op, object FROM events;
DROP TABLE events;
ALTER TABLE events_v3 RENAME TO events;
CREATE INDEX events_by_index ON events (change_index);
