-- Berth schema 10: which services the ingress rules name. A service some rule names is a policy
-- source, and only a source's target document lists its members (its running containers with
-- an address, read from `containers` when the document is made, so they can never disagree
-- with the containers). `ingress_sources` says which services those are in one index probe, so
-- a status report of any other service logs no event for a container starting or stopping:
-- listing every service's members made each replica start log its service's whole member list,
-- O(replicas²) event bytes for a large service nobody's policy needs.

-- One row per (named service, service whose rules name it). The named service need not exist.
CREATE TABLE ingress_sources (
    source  TEXT NOT NULL,
    service TEXT NOT NULL REFERENCES services (name) ON DELETE CASCADE,
    PRIMARY KEY (source, service)
) WITHOUT ROWID;
CREATE INDEX ingress_sources_by_service ON ingress_sources (service);

-- The rules already stored (schema 8's `services.ingress`, `[{from: [{service} | {cidr}], ports}]`).
INSERT OR IGNORE INTO ingress_sources (source, service)
SELECT json_extract(source.value, '$.service'), services.name
FROM services, json_each(services.ingress) AS rule, json_each(rule.value, '$.from') AS source
WHERE json_extract(source.value, '$.service') IS NOT NULL;

-- A container's target rows by container: deleting a container cascades to them, and without
-- an index on the child key SQLite scans every service's targets for each container deleted.
CREATE INDEX service_targets_by_container ON service_targets (container);
