-- PUT a ~200-byte node document under one of 5,000 names (node-0 … node-4999), cycling exactly as
-- /work/shared/bench/etcd-put.lua cycles its keys, so Berth and etcd see the same write load.
--
-- Berth answers a PUT that changes nothing without writing (no new change index), so every request
-- carries a label "rev" unique to this run, thread and request: each one is a real write, committed
-- with synchronous=FULL before it is acknowledged. `berth-bench api` checks that the change index
-- grew by the number of requests. The document's two halves are prepared once; only the counter is
-- spliced in per request.
--   usage: wrk -t2 -c64 -d10s --latency -s berth-put.lua http://127.0.0.1:PORT -- RUN-TAG

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local tag = "r0"
function init(args)
  if args[1] then tag = args[1] end
  tag = tag .. "t" .. tostring(tid or 0) .. "-"
end

local head = '{"address":"192.0.2.10","labels":{"zone":"a","disk":"ssd","rev":"'
local tail = '"},"capacity":{"cpu":4000,"memory":8192},"availability":"active"}'
local headers = { ["Content-Type"] = "application/json" }
-- Tokens are on, as deployed: berth-bench exports the admin token as BERTH_TOKEN.
local token = os.getenv("BERTH_TOKEN")
if token then headers["Authorization"] = "Bearer " .. token end
local paths = {}
for i = 0, 4999 do paths[i] = "/v1/nodes/node-" .. i end

local n = 0
request = function()
  n = n + 1
  return wrk.format("PUT", paths[n % 5000], headers, head .. tag .. n .. tail)
end
