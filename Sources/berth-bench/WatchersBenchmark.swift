import ArgumentParser
import BerthCore
import BerthHarness
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct WatchersOptions: ParsableArguments {
    @Option(help: "How many long-polls to park on one node.")
    var count = 10_000

    @Option(help: "The wait= each long-poll asks for.")
    var wait = "120s"

    @Option(help: "Seconds to give the server to park the polls after the last one is sent.")
    var settle: Double = 2

    func validate() throws {
        guard (1...60_000).contains(count) else { throw ValidationError("--count must be from 1 to 60000") }
        guard (0...60).contains(settle) else { throw ValidationError("--settle must be from 0 to 60 seconds") }
    }
}

/// Parks `count` long-polls `GET /v1/nodes/node-1?index=N&wait=…` (bench/longpoll.py), reads the
/// server's RSS, then times one PUT of node-1 until every poll has its answer.
struct WatchersBenchmark {
    let context: BenchContext
    let options: WatchersOptions

    /// longpoll.py's JSON line.
    struct Outcome: Decodable {
        var count: Int
        var early: Int
        var ok: Int
        var bad: Int
        var failed: Int
        var missing: Int
        var put_status: Int
        var put_index: UInt64
        var put_ms: Double
        var all_ms: Double
        var median_ms: Double?
        var sent_in_ms: Double
        var client_cpu_ms: Double
    }

    func run() async throws -> [String] {
        guard let python = Tools.find("python3") else { throw BenchError("python3 is needed for the watchers benchmark") }
        let limit = Self.raiseOpenFileLimit()
        guard limit >= UInt64(options.count) + 100 else {
            throw BenchError("the open-file limit is \(limit) (hard); \(options.count) long-polls need more: raise it with `ulimit -Hn`")
        }
        let runs = context.runs
        say("== watchers: \(options.count) long-polls on node-1 (wait=\(options.wait)), \(runs) round(s); open-file limit \(limit)")
        await MachineLoad.report()
        var rounds: [(parkedRSS: Double, outcome: Outcome)] = []
        var idleRSS = 0.0
        try await ServerProcess.with(context, database: "\(context.scratch)/watchers.db", label: "watchers") { server in
            let spec = NodeSpec(address: "192.0.2.10", labels: ["zone": "a"], capacity: Resources(cpu: 4000, memory: 8192))
            _ = try server.client.expectOK(try await server.client.put("/v1/nodes/node-1", json: spec))
            idleRSS = server.residentBytes() ?? 0
            for round in 1...runs {
                let index = try await server.index()
                let poller = try ChildProcess(
                    name: "longpoll-\(round)", executable: python,
                    arguments: [
                        context.script("longpoll.py"), "--port", String(server.port), "--count", String(options.count),
                        "--node", "node-1", "--index", String(index), "--wait", options.wait, "--settle", String(options.settle),
                    ],
                    directory: context.scratch, stdin: true
                )
                do {
                    _ = try await waitForLine(poller, startingWith: "PARKED", timeout: .seconds(300))
                    let rss = server.residentBytes() ?? .nan
                    let cpuBefore = server.cpuSeconds() ?? .nan
                    poller.writeLine("GO")
                    let result = try await waitForLine(poller, startingWith: "{", timeout: .seconds(180))
                    let serverCPU = ((server.cpuSeconds() ?? .nan) - cpuBefore) * 1000
                    poller.writeLine("BYE")
                    guard let status = await poller.wait(timeout: .seconds(120)), status == 0 else {
                        throw BenchError("longpoll.py failed: \(poller.errors.suffix(2000))")
                    }
                    guard let outcome = try? JSONDecoder().decode(Outcome.self, from: Data(result.utf8)) else {
                        throw BenchError("cannot read longpoll.py's result:\n\(poller.output.suffix(1000))")
                    }
                    say("  round \(round)/\(runs): \(Self.describe(outcome, rss: rss, serverCPU: serverCPU))")
                    rounds.append((rss, outcome))
                } catch {
                    await poller.stop(grace: .seconds(2))
                    throw error
                }
            }
        }
        let worstRSS = rounds.map(\.parkedRSS).max() ?? .nan
        let allMillis = Stats.median(rounds.map(\.outcome.all_ms))
        let answered = rounds.allSatisfy { $0.outcome.ok == $0.outcome.count }
        let perPoll = (worstRSS - idleRSS) / Double(options.count) / 1024
        let line = "watchers: \(options.count) parked, server RSS \(Format.mb(worstRSS)) MB, one write answered all in "
            + "\(Format.ms(allMillis)) ms (median of \(runs); idle RSS \(Format.mb(idleRSS)) MB, "
            + String(format: "%.1f", perPoll) + " KB per poll" + (answered ? "" : "; NOT ALL ANSWERED CORRECTLY") + ")"
        say(line)
        return [line]
    }

    /// The first line of the poller's output that starts with `prefix`, once it is complete.
    private func waitForLine(_ poller: ChildProcess, startingWith prefix: String, timeout: Duration) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let output = poller.output
            if let line = output.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }),
               output.contains(line + "\n") {
                return String(line)
            }
            guard poller.isRunning else { throw BenchError("longpoll.py stopped early: \(poller.errors.suffix(2000))") }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw BenchError("longpoll.py printed no \"\(prefix)…\" line within \(timeout)")
    }

    static func describe(_ o: Outcome, rss: Double, serverCPU: Double) -> String {
        var text = "\(o.count) polls sent in \(Int(o.sent_in_ms)) ms, RSS \(Format.mb(rss)) MB parked; PUT (status \(o.put_status), "
            + "index \(o.put_index)) acked in \(Format.ms(o.put_ms)) ms, all answered in \(Format.ms(o.all_ms)) ms "
            + "(median answer \(o.median_ms.map(Format.ms) ?? "-") ms; CPU: server \(String(format: "%.0f", serverCPU)) ms, "
            + "longpoll.py \(String(format: "%.0f", o.client_cpu_ms)) ms); ok \(o.ok)"
        if o.early + o.bad + o.failed + o.missing > 0 {
            text += ", WARNING: answered before the write \(o.early), wrong status/index \(o.bad), closed \(o.failed), missing \(o.missing)"
        }
        return text
    }

    /// Raises this process's soft RLIMIT_NOFILE to the hard limit; children (the server and
    /// longpoll.py) inherit it. Returns the new soft limit.
    static func raiseOpenFileLimit() -> UInt64 {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return UInt64(limit.rlim_cur)
    }
}
