-- Berth schema 5: one JSON rendering per object, and lists read a page at a time.
--
-- * A container's API JSON was built three ways: by Swift's encoder, by this view, and by
--   json_object() for leases. It is now rendered only by Swift (BerthCore's ContainerJSON and
--   Lease.jsonText), which the store also calls from SQL as berth_container_json() and
--   berth_lease_json(); a new JSON field no longer needs a schema change.
-- * Lists page by keyset (`WHERE (create_index, id) > (?, ?) ORDER BY create_index, id LIMIT ?`):
--   each filter gets an index in that order, so a page costs its own rows, not a sort of the
--   whole table.
DROP VIEW container_documents;

CREATE INDEX containers_by_age ON containers (create_index, id);
DROP INDEX containers_by_service;
CREATE INDEX containers_by_service ON containers (service, create_index, id) WHERE service IS NOT NULL;
DROP INDEX containers_by_node;
CREATE INDEX containers_by_node ON containers (node, create_index, id) WHERE node IS NOT NULL;
CREATE INDEX leases_by_network_age ON leases (network, create_index, ip);
