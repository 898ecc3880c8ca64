import BerthProcess
import Foundation
import Testing

/// stdin fed and stdout/stderr collected through pipes, at sizes far above a pipe's 64 KiB.
@Suite struct PipeTests {
    static func piped(_ executable: String, _ arguments: [String]) -> ProcessSpec {
        ProcessSpec(executable, arguments, standardInput: .pipe, standardOutput: .pipe, standardError: .pipe)
    }

    @Test func eightMebibytesGoInAndComeBackOut() throws {
        // cat writes while we still write: without polling both ways this deadlocks.
        let input = Data((0..<8 << 20).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) })
        let result = try Self.piped("/bin/cat", []).run(input: input)
        #expect(result.status == 0)
        #expect(result.standardOutput == input)
        #expect(result.standardError.isEmpty)
    }

    @Test func largeOutputsOnBothStreamsAtOnce() throws {
        // stderr fills while stdout is still being written, and the other way round.
        let script = "head -c 3000000 /dev/zero | tr '\\0' e >&2 & head -c 5000000 /dev/zero | tr '\\0' o; wait"
        let result = try Self.piped("/bin/sh", ["-c", script]).run()
        #expect(result.status == 0)
        #expect(result.standardOutput.count == 5_000_000)
        #expect(result.standardError.count == 3_000_000)
        #expect(result.standardOutput.allSatisfy { $0 == UInt8(ascii: "o") })
        #expect(result.standardError.allSatisfy { $0 == UInt8(ascii: "e") })
    }

    @Test func aChildThatReadsNoneOfItsInputIsAnExitNotABrokenPipe() throws {
        // The write fails with EPIPE (SIGPIPE is ignored here), and the run still ends.
        let result = try Self.piped("/bin/sh", ["-c", "exec 0<&-; echo done"]).run(input: Data(count: 4 << 20))
        #expect(result.status == 0)
        #expect(String(decoding: result.standardOutput, as: UTF8.self) == "done\n")
    }

    @Test func stderrCanJoinStdout() throws {
        let spec = ProcessSpec("/bin/sh", ["-c", "echo one; echo two >&2; echo three"], standardOutput: .pipe, standardError: .standardOutput)
        let result = try spec.run()
        #expect(String(decoding: result.standardOutput, as: UTF8.self) == "one\ntwo\nthree\n")
        #expect(result.standardError.isEmpty)
    }

    @Test func aStartedChildIsWrittenToLineByLine() throws {
        let child = try ProcessSpec("/bin/sh", ["-c", "read a; read b; echo \"$b $a\" >&2"], standardInput: .pipe, standardError: .pipe).start()
        #expect(child.write(Array("world\n".utf8)))
        #expect(child.write(Array("hello\n".utf8)))
        child.closeStandardInput()
        #expect(child.wait() == .exited(0))
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = read(try #require(child.standardError), &buffer, buffer.count)
        #expect(String(decoding: buffer[0..<max(n, 0)], as: UTF8.self) == "hello world\n")
    }
}
