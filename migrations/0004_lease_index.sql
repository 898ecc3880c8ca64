-- Berth schema 4: the scheduler's view of the addresses leased on a node.
--
-- A scheduling pass reads the addresses leased on the nodes it places on, and, from one chunk
-- of placements to the next, only those leased since its previous chunk. A covering index on
-- (node, create_index) answers both without visiting the table: reading every lease of
-- 5,000 nodes for each chunk made a large pass quadratic.
DROP INDEX leases_by_node;
CREATE INDEX leases_by_node ON leases (node, create_index, owner_kind, network, ip) WHERE node IS NOT NULL;
