-- Read one node (node-42): Berth's counterpart of /work/shared/bench/etcd-range.lua, which reads
-- one key through etcd's JSON gateway. `berth-bench api` registers all 5,000 nodes first.
--   usage: wrk -t2 -c64 -d10s --latency -s berth-get.lua http://127.0.0.1:PORT
wrk.method = "GET"
wrk.path = "/v1/nodes/node-42"
-- Tokens are on, as deployed: berth-bench exports the admin token as BERTH_TOKEN.
local token = os.getenv("BERTH_TOKEN")
if token then wrk.headers["Authorization"] = "Bearer " .. token end
