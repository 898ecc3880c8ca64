import BerthProcess
import Foundation
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The pidfd watcher: an end is announced once, for a child or a process that is not ours,
/// and the child is still there for its parent to reap.
@Suite struct ExitWatcherTests {
    /// Waits (without sleeping a fixed time) until `done` says so, up to a minute.
    private func waitFor(_ what: String, _ done: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while !done() {
            guard ContinuousClock.now < deadline else { Issue.record("timed out waiting for \(what)"); return }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    @Test func aChildsEndIsAnnouncedOnceAndLeftToReap() async throws {
        try #require(ExitWatcher.isAvailable, "glibc 2.36 has pidfd_open")
        let child = try ProcessSpec("/bin/sh", ["-c", "read line; exit 4"], standardInput: .pipe).start()
        let ended = Mutex(0)
        #expect(ExitWatcher.shared.watch(child.pid) { ended.withLock { $0 += 1 } })
        #expect(ended.withLock { $0 } == 0, "not before it ends")
        #expect(child.write(Array("go\n".utf8)))
        try await waitFor("the end announced") { ended.withLock { $0 } == 1 }
        #expect(child.wait() == .exited(4), "the watcher reaps nothing")
        #expect(ended.withLock { $0 } == 1)
    }

    @Test func aProcessAlreadyGoneIsAnnouncedAtOnce() throws {
        try #require(ExitWatcher.isAvailable)
        let pid = try ProcessSpec("/bin/true").start().pid
        _ = Reaper.reap(pid, block: true)
        let ended = Mutex(false)
        #expect(ExitWatcher.shared.watch(pid) { ended.withLock { $0 = true } })
        #expect(ended.withLock { $0 })
    }

    /// A grandchild (as berth-init's monitor, or a process adopted from an earlier agent, is
    /// not our child) is watched as well.
    @Test func aProcessThatIsNotOurChildIsWatched() async throws {
        try #require(ExitWatcher.isAvailable)
        let shell = try ProcessSpec("/bin/sh", ["-c", "sleep 30 >/dev/null 2>&1 & echo $!"], standardOutput: .pipe).run()
        let pid = try #require(pid_t(String(decoding: shell.standardOutput, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
        let ended = Mutex(false)
        #expect(ExitWatcher.shared.watch(pid) { ended.withLock { $0 = true } })
        #expect(!ended.withLock { $0 })
        kill(pid, SIGKILL)
        try await waitFor("the grandchild's end announced") { ended.withLock { $0 } }
    }
}
