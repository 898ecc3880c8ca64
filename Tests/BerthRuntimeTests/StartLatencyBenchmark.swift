import Foundation
import Testing

@testable import BerthRuntime

/// Start latency: 100 `start`s of `sleep 3600` with memory, cpu and pids limits in a network
/// namespace, against a floor of the same steps by hand (mkdir + limits, `unshare --pid
/// --fork --mount --uts --ipc --net --mount-proc`, join the cgroups, hostname, tmpfs /tmp).
/// Opt-in (BERTH_RUNTIME_BENCH=1): it prints figures and holds 100 containers at once.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["BERTH_RUNTIME_BENCH"] == "1" && TestRequirements.available(["ip", "unshare", "nsenter", "bash"])))
struct StartLatencyBenchmark {
    static let starts = 100
    static let limits = ContainerLimits(memoryMiB: 64, cpuMillicores: 500, pidsMax: 64)

    @Test func startLatency() async throws {
        try await RuntimeFixture.with("bench", tools: ["ip", "unshare", "nsenter", "bash"]) { fixture in
            var starts: [Duration] = []
            for index in 0..<Self.starts {
                let began = ContinuousClock.now
                _ = try await fixture.runtime.start(fixture.spec("b\(index)", ["sleep", "3600"], limits: Self.limits))
                starts.append(ContinuousClock.now - began)
            }
            #expect(fixture.runtime.list().filter(\.status.isRunning).count == Self.starts)
            var removals: [Duration] = []
            for index in 0..<Self.starts {
                let began = ContinuousClock.now
                try await fixture.runtime.remove("b\(index)")
                removals.append(ContinuousClock.now - began)
            }

            let (cgroupCreations, spawns) = try await Self.phases(fixture)
            let floor = try Self.shellFloor(fixture)
            print("""
                berth start (spec, cgroups + limits, spawn → pid file), \(Self.starts) starts: \(Self.summary(starts))
                  of which cgroups + limits alone: \(Self.summary(cgroupCreations))
                  of which berth-init spawn → pid file alone: \(Self.summary(spawns))
                berth remove (kill cgroup, rmdir, state): \(Self.summary(removals))
                shell floor (mkdir + limits, nsenter --net unshare … --mount-proc, join, hostname, tmpfs): \(Self.summary(floor))
                """)
            #expect(floor.count == Self.starts)
        }
    }

    /// The two costly steps of a start measured apart: making the cgroups with their limits,
    /// and berth-init from spawn to its pid file (cgroups made beforehand).
    static func phases(_ fixture: RuntimeFixture) async throws -> (cgroups: [Duration], spawns: [Duration]) {
        let runtime = fixture.runtime
        var creations: [Duration] = []
        var spawns: [Duration] = []
        for index in 0..<starts {
            let spec = fixture.spec("s\(index)", ["sleep", "3600"], limits: limits)
            let state = runtime.state(spec.id)
            _ = try state.create()
            try state.write(spec)
            try state.writeEnvironment(spec.environment)
            var began = ContinuousClock.now
            try runtime.cgroups.create(scope: fixture.name, id: spec.id, limits: limits)
            creations.append(ContinuousClock.now - began)
            let arguments = InitLauncher.arguments(for: spec, state: state, cgroups: runtime.cgroups.directories(scope: fixture.name, id: spec.id))
            began = ContinuousClock.now
            let spawned = try runtime.launcher.spawn(arguments, log: spec.logPath)
            while state.initPID() == nil { try await Task.sleep(for: .microseconds(250)) }
            spawns.append(ContinuousClock.now - began)
            _ = InitLauncher.reap(spawned, block: true)
        }
        for index in 0..<starts { try await runtime.remove("s\(index)") }
        return (creations, spawns)
    }

    /// The same steps done by hand in bash, timed with $EPOCHREALTIME (no fork to read the
    /// clock); each run signals readiness through a fifo just before exec'ing sleep (a
    /// blocking `read`, so the shell does not spin on the two shared cores).
    static func shellFloor(_ fixture: RuntimeFixture) throws -> [Duration] {
        let cgroups = fixture.runtime.cgroups
        let roots = cgroups.scopeDirectories(fixture.name).joined(separator: " ")
        let bytes = (limits.memoryMiB ?? 0) * 1024 * 1024
        let script = """
            set -e
            roots="\(roots)"
            for i in $(seq \(starts)); do
              t0=${EPOCHREALTIME/./}
              for r in $roots; do mkdir -p $r/f$i; done
              for r in $roots; do
                [ -e $r/f$i/memory.limit_in_bytes ] && echo \(bytes) > $r/f$i/memory.limit_in_bytes
                [ -e $r/f$i/memory.memsw.limit_in_bytes ] && echo \(bytes) > $r/f$i/memory.memsw.limit_in_bytes
                [ -e $r/f$i/memory.max ] && echo \(bytes) > $r/f$i/memory.max
                [ -e $r/f$i/cpu.cfs_quota_us ] && { echo 100000 > $r/f$i/cpu.cfs_period_us; echo \(limits.cpuMillicores * 100) > $r/f$i/cpu.cfs_quota_us; }
                [ -e $r/f$i/cpu.max ] && echo "\(limits.cpuMillicores * 100) 100000" > $r/f$i/cpu.max
                [ -e $r/f$i/pids.max ] && echo \(limits.pidsMax ?? 0) > $r/f$i/pids.max
              done
              mkfifo \(fixture.directory)/f$i.ready
              setsid nsenter --net=\(fixture.networkNamespace) unshare --pid --fork --mount --uts --ipc --mount-proc \\
                sh -c "for r in $roots; do echo 0 > \\$r/f$i/cgroup.procs; done; hostname f$i; mount -t tmpfs tmpfs /tmp; echo > \(fixture.directory)/f$i.ready; exec sleep 3600" \\
                </dev/null >/dev/null 2>&1 &
              read _ < \(fixture.directory)/f$i.ready
              t1=${EPOCHREALTIME/./}
              echo $((t1 - t0))
            done
            for i in $(seq \(starts)); do
              for r in $roots; do for p in $(cat $r/f$i/cgroup.procs); do kill -9 $p 2>/dev/null || true; done; done
            done
            for i in $(seq \(starts)); do
              for r in $roots; do
                n=0; while ! rmdir $r/f$i 2>/dev/null; do n=$((n + 1)); [ $n -gt 1000 ] && break; for p in $(cat $r/f$i/cgroup.procs); do kill -9 $p 2>/dev/null || true; done; done
              done
            done
            """
        let output = try Shell.run(["bash", "-c", script])
        return output.split(separator: "\n").compactMap { Int($0) }.map { .microseconds($0) }
    }

    static func summary(_ samples: [Duration]) -> String {
        let sorted = samples.sorted()
        func percentile(_ p: Double) -> String {
            let value = sorted[Int((Double(sorted.count - 1) * p).rounded())]
            return String(format: "%.2f ms", LinuxRuntime.seconds(value) * 1000)
        }
        return "p50 \(percentile(0.5)), p99 \(percentile(0.99)), max \(percentile(1))"
    }
}
