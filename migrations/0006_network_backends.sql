-- Berth schema 6: what the nodes' data planes need to connect the cluster (issue 11).
--
-- * Each network says how agents connect its node subnets: `vxlan` (a tunnel per network with
--   its VXLAN network identifier) or `host-gw` (a route per peer via the peer's address).
--   Existing networks tunnel (see the VNIs below).
-- * Each node keeps the MAC of its VXLAN device (its VTEP), as its agent reported it, so its
--   peers can program a neighbour and an FDB entry for it. NULL until reported. Lower-case hex
--   pairs, unicast (the low bit of the first byte clear), as the API checks.
ALTER TABLE networks ADD COLUMN backend TEXT NOT NULL DEFAULT 'vxlan' CHECK (backend IN ('vxlan', 'host-gw'));
ALTER TABLE networks ADD COLUMN vni INTEGER NOT NULL DEFAULT 1 CHECK (vni BETWEEN 1 AND 16777215);

ALTER TABLE nodes ADD COLUMN vtep_mac TEXT CHECK (vtep_mac IS NULL OR (
    vtep_mac GLOB '[0-9a-f][02468ace]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]'
    AND vtep_mac <> '00:00:00:00:00:00'));

-- A node has one VXLAN device per VNI and port, so two VXLAN container networks may not share a
-- VNI. Networks made before this migration all tunnelled on VNI 1: `default` keeps it, the
-- others (by name) take 2, 3, ...
UPDATE networks SET vni = 2 + (SELECT COUNT(*) FROM networks o
    WHERE o.purpose = 'containers' AND o.name <> 'default' AND o.name < networks.name)
WHERE purpose = 'containers' AND name <> 'default';
CREATE UNIQUE INDEX networks_vxlan_vni ON networks (vni) WHERE purpose = 'containers' AND backend = 'vxlan';
