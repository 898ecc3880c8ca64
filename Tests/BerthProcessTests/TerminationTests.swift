import BerthProcess
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Exit codes, signals and reaping.
@Suite struct TerminationTests {
    @Test(arguments: [0, 1, 3, 255])
    func anExitCodeIsReportedAsItIs(code: Int32) throws {
        let result = try ProcessSpec("/bin/sh", ["-c", "exit \(code)"]).run()
        #expect(result.termination == .exited(code))
        #expect(result.status == code)
        #expect(result.succeeded == (code == 0))
    }

    @Test func aSignalIsReportedAs128PlusTheSignal() throws {
        let result = try ProcessSpec("/bin/sh", ["-c", "kill -KILL $$"]).run()
        #expect(result.termination == .signalled(SIGKILL))
        #expect(result.status == 128 + SIGKILL)
        #expect(result.termination.description == "killed by signal 9")
    }

    @Test func aNonBlockingReapSaysNilWhileTheChildRuns() throws {
        let child = try ProcessSpec("/bin/sleep", ["30"]).start()
        #expect(child.termination == nil)
        #expect(Reaper.reap(child.pid, block: false) == nil)
        #expect(child.signal(SIGTERM))
        #expect(child.wait() == .signalled(SIGTERM))
        // Reaped once, remembered: the pid is never waited for or signalled again.
        #expect(child.termination == .signalled(SIGTERM))
        #expect(!child.signal(SIGKILL))
    }

    @Test func aChildHandedOnIsReapedByPid() throws {
        // As berth-init's first process is: started, the object dropped, reaped by pid later.
        let pid = try ProcessSpec("/bin/sh", ["-c", "exit 7"]).start().pid
        #expect(Reaper.reap(pid, block: true) == .exited(7))
        #expect(Reaper.reap(pid, block: false) == .unknown)
    }

    @Test func aChildCanLeadItsOwnProcessGroup() throws {
        let own = try ProcessSpec("/bin/sleep", ["30"], ownProcessGroup: true).start()
        let shared = try ProcessSpec("/bin/sleep", ["30"]).start()
        defer {
            own.signal(SIGKILL)
            shared.signal(SIGKILL)
            _ = own.wait()
            _ = shared.wait()
        }
        #expect(getpgid(own.pid) == own.pid)
        #expect(getpgid(shared.pid) == getpgrp())
    }
}
