import BerthCore

/// Something that answers a health check: the HTTP `HealthProber`, or a test's fake.
protocol HealthProbing: Sendable {
    /// Whether the target answered healthy within `timeout`.
    func probe(_ target: ProbeTarget, path: String, timeout: Duration) async -> Bool
}

extension HealthProber: HealthProbing {}

/// Runs the registered health checks, each every `interval` of the clock, a check that has not
/// answered within its `timeout` (of the clock too) counting as failed. It sleeps until the
/// next check is due (a clock timer) or the registry changes, never polling. Every result is
/// passed on; the agent's loop reports a change only (healthy, then unhealthy, once each).
struct HealthLoop: Sendable {
    let probes: ProbeRegistry
    let prober: any HealthProbing
    let clock: any BerthClock

    /// Probes until cancelled, passing each result to `report`.
    func run(report: @escaping @Sendable (_ id: String, _ healthy: Bool) -> Void) async {
        let timer = clock.makeTimer { [probes] in probes.wake() }
        defer { timer.cancel() }
        var due: [String: Duration] = [:]
        var wakeups = probes.wakeups.makeAsyncIterator()
        repeat {
            let now = clock.uptime
            let current = probes.all
            due = due.filter { current[$0.key] != nil }
            let ready = current.filter { (due[$0.key] ?? now) <= now }
            for (id, probe) in ready { due[id] = now + probe.interval }
            await withTaskGroup(of: Void.self) { group in
                for (id, probe) in ready {
                    group.addTask {
                        let healthy = await check(probe)
                        if !Task.isCancelled { report(id, healthy) }
                    }
                }
            }
            if let next = due.values.min() { timer.set(at: next) }
        } while await wakeups.next() != nil
    }

    /// One check, failed if it has not answered when `timeout` of the clock has passed.
    private func check(_ probe: ProbeRegistry.Probe) async -> Bool {
        await withTaskGroup(of: Bool?.self) { group in
            group.addTask { await prober.probe(probe.target, path: probe.path, timeout: probe.timeout) }
            group.addTask {
                do { try await clock.sleep(for: probe.timeout) } catch { return nil }
                return false
            }
            var answer: Bool?
            while answer == nil, let next = await group.next() { answer = next }
            group.cancelAll()
            return answer ?? false
        }
    }
}
