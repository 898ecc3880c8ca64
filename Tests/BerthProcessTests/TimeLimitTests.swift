@testable import BerthProcess
import BerthTesting
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `run`'s time limit stops the child's whole process group, and `run` returns once the child
/// has exited even when something it left behind still holds its pipes. Each case runs twice:
/// watching the exit with a pidfd, and by polling (what a glibc without pidfd_open gets).
@Suite struct TimeLimitTests {
    /// Whether `pid` is gone (or a zombie waiting for init to reap it).
    static func isGone(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")")
        else { return true }
        return stat[stat.index(after: close)...].split(separator: " ").first == "Z"
    }

    static func run(_ spec: ProcessSpec, timeLimit: Duration?, grace: Duration = .seconds(5), pidfd: Bool) throws -> ProcessResult {
        try spec.start().communicate(input: Data(), timeLimit: timeLimit, grace: grace, watchExitDescriptor: pidfd)
    }

    @Test(arguments: [true, false])
    func theTimeLimitStopsTheGroupIncludingAGrandchildOfShC(pidfd: Bool) async throws {
        // sh starts sleep in the background, prints its pid and waits: both must stop.
        let spec = ProcessSpec("/bin/sh", ["-c", "sleep 300 & echo $!; wait"], ownProcessGroup: true, standardOutput: .pipe, standardError: .pipe)
        let result = try Self.run(spec, timeLimit: .milliseconds(300), pidfd: pidfd)
        #expect(result.timedOut)
        #expect(result.termination == .signalled(SIGTERM))
        let grandchild = try #require(Int32(String(decoding: result.standardOutput, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
        try await eventually("the grandchild \(grandchild) is gone") { Self.isGone(grandchild) }
    }

    @Test(arguments: [true, false])
    func aChildIgnoringSIGTERMGetsSIGKILLAfterTheGrace(pidfd: Bool) throws {
        // `exec sleep` keeps the ignored SIGTERM (an ignored signal survives exec).
        let spec = ProcessSpec("/bin/sh", ["-c", "trap '' TERM; exec sleep 300"], ownProcessGroup: true)
        let result = try Self.run(spec, timeLimit: .milliseconds(200), grace: .milliseconds(200), pidfd: pidfd)
        #expect(result.timedOut)
        #expect(result.termination == .signalled(SIGKILL))
    }

    @Test(arguments: [true, false])
    func aChildThatEndsInTimeIsNotSignalled(pidfd: Bool) throws {
        let spec = ProcessSpec("/bin/sh", ["-c", "echo quick"], ownProcessGroup: true, standardOutput: .pipe)
        let result = try Self.run(spec, timeLimit: .seconds(120), pidfd: pidfd)
        #expect(!result.timedOut)
        #expect(result.termination == .exited(0))
        #expect(String(decoding: result.standardOutput, as: UTF8.self) == "quick\n")
    }

    @Test(arguments: [true, false])
    func runReturnsWhenTheChildExitsThoughADaemonHoldsItsPipes(pidfd: Bool) async throws {
        // A reload command that starts a daemon: the daemon inherits stdout and keeps it open.
        let spec = ProcessSpec("/bin/sh", ["-c", "sleep 300 & echo $!; echo started"], ownProcessGroup: true, standardOutput: .pipe)
        let child = try spec.start()
        let result = child.communicate(input: Data(), timeLimit: .seconds(120), grace: .seconds(5), watchExitDescriptor: pidfd)
        let lines = String(decoding: result.standardOutput, as: UTF8.self).split(separator: "\n")
        let daemon = try #require(lines.first.flatMap { Int32($0) })
        defer { kill(daemon, SIGKILL) }
        #expect(!result.timedOut, "run waited for the daemon's end of the pipe")
        #expect(result.termination == .exited(0))
        #expect(lines.last == "started")
        #expect(!Self.isGone(daemon))
    }

    @Test func withoutAProcessGroupOnlyTheChildIsSignalled() throws {
        let spec = ProcessSpec("/bin/sleep", ["300"])
        let result = try spec.run(timeLimit: .milliseconds(100))
        #expect(result.timedOut)
        #expect(result.termination == .signalled(SIGTERM))
    }
}
