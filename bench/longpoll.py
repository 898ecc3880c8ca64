#!/usr/bin/env python3
"""Park many long-polls on one Berth object, then time how fast one write answers them all.

Used by `berth-bench watchers`; runnable by hand against any server:

    python3 bench/longpoll.py --port 7480 --count 10000 --node node-1 --index 12

1. Opens COUNT connections to 127.0.0.1:PORT (raw sockets, asyncio protocols) and sends on each
   `GET /v1/nodes/NODE?index=INDEX&wait=WAIT`, then waits SETTLE seconds so the server parks them.
2. Prints `PARKED <sent> early=<answered already>` and waits for a line on stdin (the caller reads
   the server's memory meanwhile); with --no-stdin it goes on at once.
3. Sends one PUT that changes NODE (a new `rev` label) and times until every long-poll has its
   answer, checking each is HTTP 200 carrying the PUT's X-Berth-Index. Connections stay open, as
   a watcher's would for its next poll.
4. Prints one JSON line with the result, waits for another line on stdin (unless --no-stdin),
   then closes every connection and exits.
"""

import argparse
import asyncio
import json
import os
import resource
import sys
import time

HEADER_END = b"\r\n\r\n"


def raise_fd_limit(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, need)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def parse_head(head):
    """Status code and lower-cased headers of a response head."""
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers


class Poll(asyncio.Protocol):
    """One connection carrying one request; resolves `done` with (status, headers, time)."""

    def __init__(self, request, done):
        self.request = request
        self.done = done
        self.buffer = bytearray()
        self.head = None
        self.length = None

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request)

    def close(self):
        self.transport.close()

    def data_received(self, data):
        self.buffer += data
        if self.head is None:
            end = self.buffer.find(HEADER_END)
            if end < 0:
                return
            self.head = parse_head(bytes(self.buffer[:end]))
            del self.buffer[: end + len(HEADER_END)]
            self.length = int(self.head[1].get("content-length", "0"))
        if len(self.buffer) >= self.length and not self.done.done():
            # The connection stays open, as a watcher's would for its next poll; all close at the end.
            self.done.set_result((self.head[0], self.head[1], time.perf_counter()))

    def connection_lost(self, exc):
        if not self.done.done():
            self.done.set_exception(ConnectionError(f"connection closed before the answer: {exc}"))


async def request(loop, port, payload):
    """Sends one request on a new connection; returns (future answer, protocol)."""
    done = loop.create_future()
    _, protocol = await loop.create_connection(lambda: Poll(payload, done), "127.0.0.1", port)
    return done, protocol


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--node", default="node-1")
    parser.add_argument("--index", type=int, required=True, help="the X-Berth-Index the polls wait past")
    parser.add_argument("--wait", default="120s")
    parser.add_argument("--settle", type=float, default=2.0, help="seconds to wait after the last poll is sent")
    parser.add_argument("--connect-parallelism", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for all answers after the write")
    parser.add_argument("--no-stdin", action="store_true", help="write at once instead of waiting for a line on stdin")
    args = parser.parse_args()

    limit = raise_fd_limit(args.count + 100)
    if limit < args.count + 20:
        sys.exit(f"longpoll.py: open-file limit {limit} is too low for {args.count} connections")
    loop = asyncio.get_running_loop()
    # Tokens are on, as deployed: berth-bench exports the admin token as BERTH_TOKEN.
    token = os.environ.get("BERTH_TOKEN")
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    poll = f"GET /v1/nodes/{args.node}?index={args.index}&wait={args.wait} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}\r\n".encode()

    gate = asyncio.Semaphore(args.connect_parallelism)

    async def open_one():
        async with gate:
            return await request(loop, args.port, poll)

    started = time.perf_counter()
    opened = await asyncio.gather(*(open_one() for _ in range(args.count)))
    polls = [done for done, _ in opened]
    sent_in = time.perf_counter() - started
    await asyncio.sleep(args.settle)
    early = sum(1 for p in polls if p.done())
    print(f"PARKED {len(polls)} early={early} sent_in_ms={sent_in * 1000:.0f}", flush=True)
    if not args.no_stdin:
        await loop.run_in_executor(None, sys.stdin.readline)

    body = json.dumps({
        "address": "192.0.2.10",
        "labels": {"zone": "a", "disk": "ssd", "rev": f"watch-{time.time_ns()}"},
        "capacity": {"cpu": 4000, "memory": 8192},
        "availability": "active",
    }).encode()
    put = (f"PUT /v1/nodes/{args.node} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Type: application/json\r\n"
           f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    put_done, put_protocol = await request(loop, args.port, put)
    put_status, put_headers, put_at = await put_done
    put_protocol.close()
    put_index = int(put_headers.get("x-berth-index", "0"))

    finished, pending = await asyncio.wait(polls, timeout=args.timeout)
    client_cpu = time.process_time() - cpu0
    ok = bad = failed = 0
    last = t0
    latencies = []
    for p in finished:
        if p.exception() is not None:
            failed += 1
            continue
        status, headers, at = p.result()
        last = max(last, at)
        latencies.append((at - t0) * 1000)
        if status == 200 and int(headers.get("x-berth-index", "0")) == put_index:
            ok += 1
        else:
            bad += 1
    latencies.sort()
    print(json.dumps({
        "count": args.count,
        "early": early,
        "ok": ok,
        "bad": bad,
        "failed": failed,
        "missing": len(pending),
        "put_status": put_status,
        "put_index": put_index,
        "put_ms": round((put_at - t0) * 1000, 2),
        "all_ms": round((last - t0) * 1000, 2),
        "median_ms": round(latencies[len(latencies) // 2], 2) if latencies else None,
        "sent_in_ms": round(sent_in * 1000),
        "client_cpu_ms": round(client_cpu * 1000, 1),
    }), flush=True)
    for p in pending:
        p.cancel()
    if not args.no_stdin:
        # The caller reads the server's CPU time for the answers alone before the connections close.
        await loop.run_in_executor(None, sys.stdin.readline)
    for _, protocol in opened:
        protocol.close()


if __name__ == "__main__":
    asyncio.run(main())
