import Foundation
import Glibc
import BerthTesting
import Testing

@testable import BerthRuntime

/// A restarted agent: a second runtime over the same state directory.
@Suite(.heavy, .enabled(if: TestRequirements.available(["ip"])))
struct AdoptionTests {
    @Test func aSecondRuntimeSeesRunningContainersAndLearnsHowOthersEnded() async throws {
        try await RuntimeFixture.with("adopt") { fixture in
            // Given one long-running container and one that ends when told to.
            let go = fixture.path("go")
            let first = fixture.runtime
            let sleeper = try await first.start(fixture.spec("a1", ["sleep", "3600"]))
            _ = try await first.start(fixture.spec("a2", ["sh", "-c", "while [ ! -e \(go) ]; do sleep 0.02; done; exit 42"]))

            // The monitors are nobody's child in this process: they outlive it.
            for id in ["a1", "a2"] {
                let state = first.state(id)
                let monitor = try #require(state.monitorPID())
                #expect(parentPID(of: monitor) != getpid())
            }

            // When a new runtime takes over and, while it looks elsewhere, a2 ends.
            let second = try LinuxRuntime(first.configuration)
            #expect(second.status("a1") == .running(pid: sleeper))
            try "".write(toFile: go, atomically: true, encoding: .utf8)
            let exit = try await RuntimeFixture(name: fixture.name, directory: fixture.directory, runtime: second).exit(of: "a2")

            // Then it has a2's exit code, can stop a1, and lists both.
            #expect(exit == LinuxContainerExit(code: 42))
            #expect(second.list().map(\.id) == ["a1", "a2"])
            let stopped = await second.stop("a1", grace: .seconds(5))
            #expect(stopped?.signal == 15)
            #expect(second.status("a1")?.exit == stopped)
        }
    }

    @Test func aContainerWhoseMonitorWasKilledCanStillBeStopped() async throws {
        try await RuntimeFixture.with("orphan") { fixture in
            let pid = try await fixture.runtime.start(fixture.spec("o1", ["sleep", "3600"]))
            let monitor = try #require(fixture.runtime.state("o1").monitorPID())
            kill(monitor, SIGKILL)
            #expect(await eventually { !ProcessProbe.isBerthInit(monitor, stateDirectory: fixture.runtime.state("o1").path) })

            // The init still runs in its cgroup: still running.
            #expect(fixture.runtime.status("o1") == .running(pid: pid))
            let exit = await fixture.runtime.stop("o1", grace: .seconds(5))
            #expect(exit?.code == nil)
            #expect(exit?.reason == "exit code unknown: it ended while its monitor was gone")
        }
    }

    private func parentPID(of pid: Int32) -> Int32? {
        guard let status = ControlFile.read("/proc/\(pid)/status") else { return nil }
        let line = status.split(separator: "\n").first { $0.hasPrefix("PPid:") }
        return line.flatMap { Int32($0.dropFirst(5).trimmingCharacters(in: .whitespaces)) }
    }
}
