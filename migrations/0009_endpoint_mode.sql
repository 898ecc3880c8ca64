-- Berth schema 9: how a service's DNS name answers (issue 13). `vip`: the service's virtual IP;
-- `dnsrr`: the addresses of its healthy replicas, rotated (Docker Swarm's endpoint modes).
-- Existing services keep answering with their VIP.
ALTER TABLE services ADD COLUMN endpoint_mode TEXT NOT NULL DEFAULT 'vip' CHECK (endpoint_mode IN ('vip', 'dnsrr'));
