-- Berth schema, version 2: what the reconciliation loops need.
-- * nodes keep their allocation, maintained by triggers, and the schema refuses any change that
--   would overcommit a node, whatever the writer;
-- * containers remember their template version, restart attempt, pinned node, run times and
--   static host ports;
-- * services' load-balancer targets are stored rows, and `target` joins the event kinds;
-- * container_documents renders a container's API JSON in SQL, so bulk writes (the scheduler
--   placing thousands) log events without a round trip through Swift's JSON encoder.

ALTER TABLE nodes ADD COLUMN allocated_cpu INTEGER NOT NULL DEFAULT 0 CHECK (allocated_cpu >= 0);
ALTER TABLE nodes ADD COLUMN allocated_memory INTEGER NOT NULL DEFAULT 0 CHECK (allocated_memory >= 0);

ALTER TABLE containers ADD COLUMN template_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE containers ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0 CHECK (attempt >= 0);
ALTER TABLE containers ADD COLUMN pinned_node TEXT;
ALTER TABLE containers ADD COLUMN started_at REAL;
ALTER TABLE containers ADD COLUMN finished_at REAL;
-- Static host ports the container binds, comma-separated, or NULL.
ALTER TABLE containers ADD COLUMN static_ports TEXT;
CREATE INDEX containers_pending ON containers (create_index) WHERE state = 'pending';

ALTER TABLE services ADD COLUMN template_version INTEGER NOT NULL DEFAULT 0;
UPDATE services SET template_version = create_index;

UPDATE nodes SET
    allocated_cpu = COALESCE((SELECT SUM(cpu) FROM containers c
        WHERE c.node = nodes.name AND c.state NOT IN ('exited', 'failed', 'lost')), 0),
    allocated_memory = COALESCE((SELECT SUM(memory) FROM containers c
        WHERE c.node = nodes.name AND c.state NOT IN ('exited', 'failed', 'lost')), 0);

-- A container holds its node's cpu and memory while it has a node and has not ended.
CREATE TRIGGER containers_allocate_insert AFTER INSERT ON containers
WHEN NEW.node IS NOT NULL AND NEW.state NOT IN ('exited', 'failed', 'lost')
BEGIN
    UPDATE nodes SET allocated_cpu = allocated_cpu + NEW.cpu, allocated_memory = allocated_memory + NEW.memory
    WHERE name = NEW.node;
END;

CREATE TRIGGER containers_allocate_delete AFTER DELETE ON containers
WHEN OLD.node IS NOT NULL AND OLD.state NOT IN ('exited', 'failed', 'lost')
BEGIN
    UPDATE nodes SET allocated_cpu = allocated_cpu - OLD.cpu, allocated_memory = allocated_memory - OLD.memory
    WHERE name = OLD.node;
END;

CREATE TRIGGER containers_allocate_update AFTER UPDATE OF node, state, cpu, memory ON containers
BEGIN
    UPDATE nodes SET allocated_cpu = allocated_cpu - OLD.cpu, allocated_memory = allocated_memory - OLD.memory
    WHERE name = OLD.node AND OLD.state NOT IN ('exited', 'failed', 'lost');
    UPDATE nodes SET allocated_cpu = allocated_cpu + NEW.cpu, allocated_memory = allocated_memory + NEW.memory
    WHERE name = NEW.node AND NEW.state NOT IN ('exited', 'failed', 'lost');
END;

-- Capacity is never overcommitted: a container may not take resources its node lacks.
-- (A node whose capacity shrank keeps what it already runs.)
CREATE TRIGGER containers_capacity_insert BEFORE INSERT ON containers
WHEN NEW.node IS NOT NULL AND NEW.state NOT IN ('exited', 'failed', 'lost')
BEGIN
    SELECT RAISE(ABORT, 'node capacity exceeded') FROM nodes
    WHERE name = NEW.node AND (allocated_cpu + NEW.cpu > cpu OR allocated_memory + NEW.memory > memory);
END;

CREATE TRIGGER containers_capacity_update BEFORE UPDATE OF node, state, cpu, memory ON containers
WHEN NEW.node IS NOT NULL AND NEW.state NOT IN ('exited', 'failed', 'lost')
    AND (OLD.node IS NOT NEW.node OR OLD.state IN ('exited', 'failed', 'lost') OR NEW.cpu > OLD.cpu OR NEW.memory > OLD.memory)
BEGIN
    SELECT RAISE(ABORT, 'node capacity exceeded') FROM nodes
    WHERE name = NEW.node AND (
        allocated_cpu - (CASE WHEN OLD.node IS NEW.node AND OLD.state NOT IN ('exited', 'failed', 'lost') THEN OLD.cpu ELSE 0 END) + NEW.cpu > cpu
        OR allocated_memory - (CASE WHEN OLD.node IS NEW.node AND OLD.state NOT IN ('exited', 'failed', 'lost') THEN OLD.memory ELSE 0 END) + NEW.memory > memory);
END;

-- The live backends of each service: running, healthy containers, one row per service port.
CREATE TABLE service_targets (
    service      TEXT NOT NULL REFERENCES services (name) ON DELETE CASCADE,
    container    TEXT NOT NULL REFERENCES containers (id) ON DELETE CASCADE,
    port         INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    node         TEXT NOT NULL,
    ip           TEXT,
    host_address TEXT NOT NULL,
    host_port    INTEGER CHECK (host_port BETWEEN 1 AND 65535),
    PRIMARY KEY (service, container, port)
);

-- The event log learns the `target` kind (SQLite changes a CHECK by rebuilding the table).
CREATE TABLE events_v2 (
    seq          INTEGER PRIMARY KEY,
    change_index INTEGER NOT NULL CHECK (change_index > 0),
    kind         TEXT NOT NULL CHECK (kind IN ('node', 'service', 'container', 'network', 'lease', 'target')),
    name         TEXT NOT NULL,
    op           TEXT NOT NULL CHECK (op IN ('created', 'updated', 'deleted')),
    object       TEXT NOT NULL
);
INSERT INTO events_v2 SELECT seq, change_index, kind, name, op, object FROM events;
DROP TABLE events;
ALTER TABLE events_v2 RENAME TO events;
CREATE INDEX events_by_index ON events (change_index);

-- A container as the API shows it (see BerthCore's Container), built by SQLite.
CREATE VIEW container_documents AS
SELECT c.id AS id, json_object(
    'id', c.id, 'name', c.name, 'service', c.service, 'node', c.node, 'ip', c.ip,
    'state', c.state, 'desiredState', c.desired_state, 'reason', c.reason, 'exitCode', c.exit_code,
    'healthy', CASE c.healthy WHEN 1 THEN json('true') WHEN 0 THEN json('false') ELSE NULL END,
    'hostPorts', json(c.host_ports), 'labels', json(c.labels),
    'image', c.template ->> '$.image', 'command', c.template -> '$.command', 'env', c.template -> '$.env',
    'resources', c.template -> '$.resources', 'ports', c.template -> '$.ports',
    'healthCheck', c.template -> '$.healthCheck', 'restartPolicy', c.template ->> '$.restartPolicy',
    'constraints', (SELECT json_group_array(expression) FROM (
        SELECT expression FROM constraints WHERE owner_kind = 'container' AND owner = c.id AND hard = 1 ORDER BY position)),
    'preferences', (SELECT json_group_array(json_object('constraint', expression, 'weight', weight)) FROM (
        SELECT expression, weight FROM constraints WHERE owner_kind = 'container' AND owner = c.id AND hard = 0 ORDER BY position)),
    'attempt', c.attempt,
    'startedAt', strftime('%Y-%m-%dT%H:%M:%SZ', c.started_at, 'unixepoch'),
    'finishedAt', strftime('%Y-%m-%dT%H:%M:%SZ', c.finished_at, 'unixepoch'),
    'createIndex', c.create_index, 'modifyIndex', c.modify_index
) AS document
FROM containers c;
