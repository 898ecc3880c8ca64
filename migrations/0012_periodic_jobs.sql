-- Berth schema 12: periodic jobs (issue 21).
--
-- * A periodic job is a job whose spec has a `schedule`; each run is a child job naming it in
--   `parent` (listed by `jobs_by_parent`; deleting a parent deletes its runs).
-- * `create_time` is when a job was created: a periodic job's first period starts there.
-- * A parent's status adds the latest fire time handled, when its latest successful run
--   completed, and the names of its active runs (a JSON array).
ALTER TABLE jobs ADD COLUMN parent TEXT;
ALTER TABLE jobs ADD COLUMN create_time REAL;
ALTER TABLE jobs ADD COLUMN last_schedule_time REAL;
ALTER TABLE jobs ADD COLUMN last_successful_time REAL;
ALTER TABLE jobs ADD COLUMN active_runs TEXT NOT NULL DEFAULT '[]';
CREATE INDEX jobs_by_parent ON jobs (parent, name) WHERE parent IS NOT NULL;
