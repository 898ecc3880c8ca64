# Drives Berth's Consul-compatible catalog with the unmodified py-consul client (PyPI, pinned in
# scripts/test-requirements.txt): reads the agent, the catalog and a service's healthy
# instances, then blocks on that query with the index it got, and prints each answer as a JSON
# line. Arguments: PORT TOKEN SERVICE.
import json
import sys

import consul

port, token, service = int(sys.argv[1]), sys.argv[2], sys.argv[3]
c = consul.Consul(host="127.0.0.1", port=port, token=token)


def say(**fields):
    print(json.dumps(fields), flush=True)


say(step="agent", datacenter=c.agent.self()["Config"]["Datacenter"])
index, services = c.catalog.services()
say(step="catalog", index=index, services=services)
index, nodes = c.health.service(service, passing=True)
say(step="first", index=index, ids=[n["Service"]["ID"] for n in nodes])
index, nodes = c.health.service(service, index=index, wait="60s", passing=True)
say(step="woken", index=index, ids=[n["Service"]["ID"] for n in nodes])
