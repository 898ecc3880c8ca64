import BerthProcess
import BerthTesting
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What a child holds: only 0, 1 and 2, each where the spec says.
@Suite struct DescriptorTests {
    @Test func aChildSeesNoDescriptorAboveTwoThatTheParentHadOpen() throws {
        // Opened without close-on-exec, as a library or another thread might leave one.
        let leaked = open("/dev/null", O_RDONLY)
        let high = fcntl(leaked, F_DUPFD, 200)
        defer {
            close(leaked)
            close(high)
        }
        try #require(leaked > 2 && high >= 200)
        // `ls` lists its own descriptors, plus the one it opened to read the folder.
        let result = try ProcessSpec("/bin/ls", ["/proc/self/fd"], standardOutput: .pipe).run()
        let listed = String(decoding: result.standardOutput, as: UTF8.self).split(separator: "\n").compactMap { Int32($0) }
        #expect(result.status == 0)
        #expect(!listed.contains(leaked) && !listed.contains(high))
        #expect(listed.filter { $0 > 2 }.count <= 1, "only ls's own folder handle: \(listed)")
        #expect(Set(listed).isSuperset(of: [0, 1, 2]))
    }

    @Test func outputFilesAreAppendedToOrTruncated() throws {
        let folder = try TemporaryFolder(prefix: "berth-process")
        defer { folder.remove() }
        let log = folder.file("log")
        for word in ["one", "two"] {
            _ = try ProcessSpec("/bin/sh", ["-c", "echo \(word); echo \(word)-err >&2"], standardOutput: .file(log, .append), standardError: .standardOutput).run()
        }
        #expect(try String(contentsOfFile: log, encoding: .utf8) == "one\none-err\ntwo\ntwo-err\n")
        _ = try ProcessSpec("/bin/echo", ["three"], standardOutput: .file(log, .truncate)).run()
        #expect(try String(contentsOfFile: log, encoding: .utf8) == "three\n")
    }

    @Test func stdinFromAFileAndFromDevNull() throws {
        let folder = try TemporaryFolder(prefix: "berth-process")
        defer { folder.remove() }
        try "from a file\n".write(toFile: folder.file("in"), atomically: true, encoding: .utf8)
        let fromFile = try ProcessSpec("/bin/cat", standardInput: .file(folder.file("in")), standardOutput: .pipe).run()
        #expect(String(decoding: fromFile.standardOutput, as: UTF8.self) == "from a file\n")
        let fromNull = try ProcessSpec("/bin/cat", standardOutput: .pipe).run()
        #expect(fromNull.status == 0 && fromNull.standardOutput.isEmpty)
    }

    @Test func anOutputFileThatCannotBeOpenedIsAnErrorNamingIt() {
        #expect(throws: ProcessError.cannotOpen("/nonexistent-berth/log", errno: ENOENT)) {
            try ProcessSpec("/bin/true", standardOutput: .file("/nonexistent-berth/log")).start()
        }
    }

    @Test func signalsAreUnblockedAndAtTheirDefaultsInTheChild() throws {
        // This process ignores SIGPIPE (as SwiftNIO and BerthProcess make it; left so, since
        // other tests write to children meanwhile) and this thread blocks SIGUSR2: the child
        // must inherit neither.
        signal(SIGPIPE, SIG_IGN)
        let ours = Self.signalMasks(try String(contentsOfFile: "/proc/self/status", encoding: .utf8))
        try #require((ours["SigIgn"] ?? 0) & (1 << (SIGPIPE - 1)) != 0)
        var blocked = sigset_t(), old = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGUSR2)
        pthread_sigmask(SIG_BLOCK, &blocked, &old)
        let result = Result { try ProcessSpec("/bin/cat", ["/proc/self/status"], standardOutput: .pipe).run() }
        pthread_sigmask(SIG_SETMASK, &old, nil)
        let child = Self.signalMasks(String(decoding: try result.get().standardOutput, as: UTF8.self))
        #expect(child["SigBlk"] == 0)
        // Signals 1-31; 32 and 33 are glibc's own (thread cancellation, setxid), which
        // sigfillset leaves out, so no spawn can reset them.
        #expect(child["SigIgn"].map { $0 & 0x7fff_ffff } == 0, "ignored: \(child)")
    }

    /// The `SigBlk`, `SigIgn`, … masks of a /proc/PID/status text.
    static func signalMasks(_ status: String) -> [String: UInt64] {
        status.split(separator: "\n").reduce(into: [:]) { masks, line in
            let parts = line.split(separator: ":\t")
            if parts.count == 2, parts[0].hasPrefix("Sig") { masks[String(parts[0])] = UInt64(parts[1], radix: 16) }
        }
    }
}
