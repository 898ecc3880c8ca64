-- Berth schema, version 1: the whole cluster state.
-- Conventions: snake_case names; JSON documents in TEXT columns; every stored object carries the
-- change index that created it and the one that last modified it.

-- The one global change index. Every committed write bumps it in the same transaction.
CREATE TABLE cluster_index (
    id                INTEGER PRIMARY KEY CHECK (id = 1),
    current           INTEGER NOT NULL CHECK (current >= 0),
    -- Events with change_index <= compacted_through are gone from the log.
    compacted_through INTEGER NOT NULL DEFAULT 0 CHECK (compacted_through <= current)
);
INSERT INTO cluster_index (id, current, compacted_through) VALUES (1, 0, 0);

-- The change feed: one row per changed object per change index.
CREATE TABLE events (
    seq          INTEGER PRIMARY KEY,
    change_index INTEGER NOT NULL CHECK (change_index > 0),
    kind         TEXT NOT NULL CHECK (kind IN ('node', 'service', 'container', 'network', 'lease')),
    name         TEXT NOT NULL,
    op           TEXT NOT NULL CHECK (op IN ('created', 'updated', 'deleted')),
    object       TEXT NOT NULL
);
CREATE INDEX events_by_index ON events (change_index);

CREATE TABLE networks (
    name         TEXT PRIMARY KEY,
    subnet       TEXT NOT NULL UNIQUE,
    node_prefix  INTEGER NOT NULL CHECK (node_prefix BETWEEN 8 AND 30),
    purpose      TEXT NOT NULL CHECK (purpose IN ('containers', 'services')),
    create_index INTEGER NOT NULL,
    modify_index INTEGER NOT NULL
);

CREATE TABLE nodes (
    name           TEXT PRIMARY KEY,
    address        TEXT NOT NULL,
    labels         TEXT NOT NULL DEFAULT '{}',
    cpu            INTEGER NOT NULL CHECK (cpu > 0),
    memory         INTEGER NOT NULL CHECK (memory > 0),
    availability   TEXT NOT NULL CHECK (availability IN ('active', 'pause', 'drain')),
    status         TEXT NOT NULL CHECK (status IN ('ready', 'down')),
    subnet         TEXT,
    last_heartbeat REAL,
    create_index   INTEGER NOT NULL,
    modify_index   INTEGER NOT NULL
);

CREATE TABLE services (
    name          TEXT PRIMARY KEY,
    mode          TEXT NOT NULL CHECK (mode IN ('replicated', 'global')),
    replicas      INTEGER NOT NULL CHECK (replicas >= 0),
    template      TEXT NOT NULL,
    placement     TEXT NOT NULL,
    ports         TEXT NOT NULL DEFAULT '[]',
    load_balancer TEXT NOT NULL,
    update_config TEXT NOT NULL,
    vip           TEXT,
    create_index  INTEGER NOT NULL,
    modify_index  INTEGER NOT NULL
);

-- A container is on at most one node: `node` is a single column.
CREATE TABLE containers (
    id            TEXT PRIMARY KEY,
    name          TEXT UNIQUE,
    service       TEXT,
    node          TEXT REFERENCES nodes (name) ON DELETE SET NULL,
    ip            TEXT,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'scheduled', 'starting', 'running', 'exited', 'failed', 'lost')),
    desired_state TEXT NOT NULL CHECK (desired_state IN ('running', 'stopped')),
    reason        TEXT,
    exit_code     INTEGER,
    healthy       INTEGER CHECK (healthy IN (0, 1)),
    host_ports    TEXT NOT NULL DEFAULT '{}',
    labels        TEXT NOT NULL DEFAULT '{}',
    template      TEXT NOT NULL,
    -- Copied from the template so capacity sums need no JSON.
    cpu           INTEGER NOT NULL CHECK (cpu >= 0),
    memory        INTEGER NOT NULL CHECK (memory >= 0),
    create_index  INTEGER NOT NULL,
    modify_index  INTEGER NOT NULL
);
CREATE INDEX containers_by_node ON containers (node) WHERE node IS NOT NULL;
CREATE INDEX containers_by_service ON containers (service) WHERE service IS NOT NULL;
CREATE INDEX containers_by_state ON containers (state);

-- Placement rules, one row each: hard constraints (weight 0) and soft preferences (weight 1-100).
CREATE TABLE constraints (
    owner_kind TEXT NOT NULL CHECK (owner_kind IN ('service', 'container')),
    owner      TEXT NOT NULL,
    hard       INTEGER NOT NULL CHECK (hard IN (0, 1)),
    position   INTEGER NOT NULL CHECK (position >= 0),
    expression TEXT NOT NULL,
    weight     INTEGER NOT NULL CHECK ((hard = 1 AND weight = 0) OR (hard = 0 AND weight BETWEEN 1 AND 100)),
    PRIMARY KEY (owner_kind, owner, hard, position)
);

-- IP address management. One address (or node subnet, written as a CIDR) has one owner in its
-- network: the primary key enforces it, whatever the writers do. An owner holds at most one
-- lease per network.
CREATE TABLE leases (
    network      TEXT NOT NULL REFERENCES networks (name),
    ip           TEXT NOT NULL,
    owner_kind   TEXT NOT NULL CHECK (owner_kind IN ('node', 'container', 'service')),
    owner        TEXT NOT NULL,
    node         TEXT,
    create_index INTEGER NOT NULL,
    PRIMARY KEY (network, ip),
    UNIQUE (owner_kind, owner, network)
);
CREATE INDEX leases_by_node ON leases (node) WHERE node IS NOT NULL;
