-- Berth schema 7: services carry labels (issue 13), a JSON object of strings like a node's or a
-- container's. Discovery hands them on: Consul tags on the Consul-compatible catalog, target
-- labels for Prometheus. Existing services have none.
ALTER TABLE services ADD COLUMN labels TEXT NOT NULL DEFAULT '{}';
