import Foundation
import BerthTesting
import Testing

@testable import BerthRuntime

/// `stop`: SIGTERM through the init to the command, SIGKILL to the cgroup after the grace.
@Suite(.heavy, .enabled(if: TestRequirements.available(["ip"])))
struct StopTests {
    @Test func sigtermReachesTheCommand() async throws {
        try await RuntimeFixture.with("term") { fixture in
            let ready = fixture.path("ready")
            let got = fixture.path("got-term")
            // The trap is set before `ready` is written; `wait` lets the shell run it at once.
            let script = "trap 'echo term > \(got); exit 7' TERM; echo > \(ready); sleep 3600 & wait"
            _ = try await fixture.runtime.start(fixture.spec("t1", ["sh", "-c", script]))
            #expect(await eventually { FileManager.default.fileExists(atPath: ready) })

            // Ended by the trap (exit code 7), not by the grace running out (a kill: 137).
            let exit = await fixture.runtime.stop("t1", grace: .seconds(20))

            #expect(exit == LinuxContainerExit(code: 7))
            #expect(try String(contentsOfFile: got, encoding: .utf8) == "term\n")
            #expect(fixture.runtime.status("t1") == .exited(LinuxContainerExit(code: 7)))
        }
    }

    // The limit counts the wait for a heavy suite's place too (`.heavy`), hence generous.
    @Test(.timeLimit(.minutes(10)))
    func aCommandIgnoringSIGTERMIsKilledAfterTheGrace() async throws {
        try await RuntimeFixture.with("stubborn") { fixture in
            let ready = fixture.path("ready")
            let script = "trap '' TERM; echo > \(ready); while :; do sleep 1; done"
            _ = try await fixture.runtime.start(fixture.spec("t2", ["sh", "-c", script]))
            #expect(await eventually { FileManager.default.fileExists(atPath: ready) })

            let began = ContinuousClock.now
            let exit = await fixture.runtime.stop("t2", grace: .milliseconds(500))
            let took = ContinuousClock.now - began

            #expect(exit?.signal == 9)
            #expect(exit?.code == 137)
            #expect(exit?.reason == "killed by signal 9")
            #expect(took >= .milliseconds(500), "the grace was given")
            // Killed, not waited out: the command never ends by itself, so only the kill can
            // have ended it (signal 9 above). A stop that hangs hits the test's time limit.
            #expect(fixture.runtime.cgroups.members(scope: fixture.name, id: "t2").isEmpty)
        }
    }

    @Test func stoppingAnEndedContainerReturnsItsExit() async throws {
        try await RuntimeFixture.with("ended") { fixture in
            _ = try await fixture.runtime.start(fixture.spec("t3", ["sh", "-c", "exit 5"]))
            _ = try await fixture.exit(of: "t3")
            #expect(await fixture.runtime.stop("t3", grace: .seconds(1)) == LinuxContainerExit(code: 5))
            #expect(await fixture.runtime.stop("absent", grace: .seconds(1)) == nil)
        }
    }
}
