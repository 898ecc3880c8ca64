import BerthControllers
import BerthCore
import BerthStore
import CMalloc
import Foundation
import Logging

/// `berth-bench schedule`: the scheduler at scale, in process, on a real SQLite file.
///
/// 1. 100,000 containers from 1,000 services (constraints, zone spread, binpack) placed on
///    5,000 labelled nodes and committed: placements per second.
/// 2. One service scaled from 0 to 10,000 replicas: time until every replica is scheduled.
/// 3. One replica added to a service, 200 times: created → scheduled through one service pass
///    and one scheduler pass (the loops' own cost, without their wake-up spacing).
/// 4. A restart on the same file: the store opened, the `ClusterState` built, one scheduler
///    pass; and the heap the state takes, per container.
/// 5. The same-run anchor: raw SQLite inserts per second (`RawInsertAnchor`).
enum ScheduleBenchmark {
    struct Result {
        var createSeconds: Double
        var placeSeconds: Double
        var placed: Int
        var scaleSeconds: Double
        var scaled: Int
        var databaseBytes: Int
        var rssMB: Double
        /// The anonymous part of it: the heap (the state, SQLite's page caches), not file pages.
        var anonMB: Double
        /// Both again after `malloc_trim`, as `berth serve`'s MemoryReleaser does within a
        /// second of a burst of frees: what the server holds, not what malloc kept for reuse.
        var trimmedRssMB: Double
        var trimmedAnonMB: Double
        var oneReplicaMillis: [Double]
        var restartSeconds: Double
        var stateBytesPerContainer: Double
        var rawInsertsPerSecond: Double
    }

    static let zones = ["a", "b", "c", "d", "e"]

    static func run(nodes nodeCount: Int, services serviceCount: Int, replicas: Int, scaleTo: Int, mmapBytes: Int? = nil, folder: URL) async throws -> Result {
        let path = folder.appendingPathComponent("schedule.db").path
        var options = StoreOptions()
        if let mmapBytes { options.mmapBytes = mmapBytes }
        options.eventRetention = 1_000_000
        let store = try Store(path: path, options: options)
        var logger = Logger(label: "bench")
        logger.logLevel = ProcessInfo.processInfo.environment["BENCH_VERBOSE"] == nil ? .warning : .info
        _ = try await store.write { tx in try NetworkRepository.ensureBuiltIn(tx, clusterCIDR: "10.0.0.0/8", serviceCIDR: "172.16.0.0/16") }
        var start = 0
        while start < nodeCount {
            let range = start..<min(start + 1000, nodeCount)
            _ = try await store.write { tx in
                for i in range {
                    let labels = ["zone": zones[i % zones.count], "disk": i % 3 == 0 ? "ssd" : "hdd", "rack": "r\(i % 50)"]
                    _ = try NodeRepository.put(tx, name: "node-\(i)", spec: NodeSpec(address: "192.0.2.\(i % 250 + 1)", labels: labels, capacity: Resources(cpu: 16000, memory: 65536)))
                }
            }
            start += 1000
        }
        _ = try await store.write { tx in
            for s in 0..<serviceCount {
                var spec = ServiceSpec(replicas: replicas, template: ContainerTemplate(image: "app-\(s):1", resources: Resources(cpu: 100, memory: 128)))
                switch s % 4 {
                case 0: spec.constraints = ["node.labels.disk==ssd"]
                case 1: spec.placement.spreadBy = ["node.labels.zone"]
                case 2: spec.constraints = ["node.labels.zone in (a,b,c)"]; spec.placement.strategy = .binpack
                default: spec.placement.preferences = [Preference(constraint: "node.labels.disk==ssd", weight: 10)]
                }
                _ = try ServiceRepository.put(tx, name: "svc-\(s)", spec: spec)
            }
        }
        let state = ClusterState(store: store)
        let services = ServiceController(state: state, logger: logger)
        let scheduler = SchedulerController(state: state, logger: logger)
        let clock = ContinuousClock()
        let t0 = clock.now
        phase("create")
        _ = try await services.pass()
        let t1 = clock.now
        phase("place")
        let placed = try await scheduler.pass()
        let t2 = clock.now

        // Let the loops catch up with the placements, as a running server's would right after
        // them (untimed): the burst then costs what it changes.
        _ = try await services.pass()
        _ = try await scheduler.pass()

        // Scale one fresh service from 0 to `scaleTo`: the service pass creates, the scheduler places.
        let burstTemplate = ContainerTemplate(image: "burst:1", resources: Resources(cpu: 10, memory: 16), ports: [ContainerPort(name: "http", containerPort: 8080)])
        _ = try await store.write { tx in
            try ServiceRepository.put(tx, name: "burst", spec: ServiceSpec(replicas: 0, template: burstTemplate))
        }
        _ = try await services.pass()
        let t3 = clock.now
        _ = try await store.write { tx in
            try ServiceRepository.put(tx, name: "burst", spec: ServiceSpec(replicas: scaleTo, template: burstTemplate))
        }
        phase("burst")
        _ = try await services.pass()
        let scaled = try await scheduler.pass()
        let t4 = clock.now
        let rss = residentMB()
        let anon = residentMB("RssAnon")
        if ProcessInfo.processInfo.environment["BENCH_PHASES"] != nil {
            let heap = mallinfo2()
            FileHandle.standardError.write(Data(String(format: "memory after the burst: RSS %.0f MB, anonymous %.0f MB; malloc in use %.0f MB, free in the heap %.0f MB, mmapped %.0f MB\n",
                rss, anon, Double(heap.uordblks) / 1e6, Double(heap.fordblks) / 1e6, Double(heap.hblkhd) / 1e6).utf8))
        }
        malloc_trim(0)
        let trimmedRss = residentMB()
        let trimmedAnon = residentMB("RssAnon")

        // One more replica at a time: created → scheduled.
        var oneReplica: [Double] = []
        phase("one-replica")
        let stepTemplate = ContainerTemplate(image: "step:1", resources: Resources(cpu: 10, memory: 16))
        for n in 1...200 {
            let started = clock.now
            _ = try await store.write { tx in
                try ServiceRepository.put(tx, name: "step", spec: ServiceSpec(replicas: n, template: stepTemplate))
            }
            _ = try await services.pass()
            guard try await scheduler.pass() == 1 else { throw BenchError("replica \(n) of step was not scheduled in one pass") }
            oneReplica.append((clock.now - started).seconds * 1000)
        }
        try store.close()
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0

        // A restart: until the new state is built and the scheduler has run on it. The heap
        // the state holds is what freeing it gives back (SQLite's page cache stays).
        phase("restart")
        let restarted = clock.now
        let again = try Store(path: path, options: options)
        defer { try? again.close() }
        var state2: ClusterState? = ClusterState(store: again)
        _ = try await SchedulerController(state: state2!, logger: logger).pass()
        let restartSeconds = (clock.now - restarted).seconds
        let containers = state2!.read { $0.containers.count }
        let withState = Double(mallinfo2().uordblks)
        state2 = nil
        let heap = withState - Double(mallinfo2().uordblks)
        let raw = try RawInsertAnchor.rowsPerSecond(folder: folder)
        return Result(
            createSeconds: (t1 - t0).seconds, placeSeconds: (t2 - t1).seconds, placed: placed,
            scaleSeconds: (t4 - t3).seconds, scaled: scaled, databaseBytes: size, rssMB: rss, anonMB: anon,
            trimmedRssMB: trimmedRss, trimmedAnonMB: trimmedAnon,
            oneReplicaMillis: oneReplica, restartSeconds: restartSeconds,
            stateBytesPerContainer: heap / Double(max(1, containers)), rawInsertsPerSecond: raw
        )
    }

    /// With `BENCH_PHASES` set, names the phase starting now on stderr with CLOCK_MONOTONIC's
    /// seconds: `perf record -k mono` samples can then be cut by phase (`perf report --time`).
    static func phase(_ name: String) {
        guard ProcessInfo.processInfo.environment["BENCH_PHASES"] != nil else { return }
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        FileHandle.standardError.write(Data("phase \(name) at \(now.tv_sec).\(String(format: "%06d", now.tv_nsec / 1000))\n".utf8))
    }

    /// This process's resident set, from /proc (`VmRSS`, or another field such as `RssAnon`:
    /// the heap, without the database file's pages mapped by SQLite's mmap).
    static func residentMB(_ field: String = "VmRSS") -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
              let kb = line.split(separator: " ").compactMap({ Double($0) }).first
        else { return 0 }
        return kb / 1024
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
