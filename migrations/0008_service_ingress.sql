-- Berth schema 8: services gain ingress rules (network policy), a JSON array as the API shows
-- it (`[]`: no policy, open to all). Who a rule admits is not stored: a service's members are
-- its running containers with an address, read from `containers` when a target document is
-- made, so they can never disagree with the containers.
ALTER TABLE services ADD COLUMN ingress TEXT NOT NULL DEFAULT '[]';
