import BerthProcess
import BerthTesting
import Foundation
import Testing

/// The child's environment, working directory and program lookup.
@Suite struct EnvironmentTests {
    static func output(_ spec: ProcessSpec) throws -> String {
        var spec = spec
        spec.standardOutput = .pipe
        spec.standardError = .pipe
        let result = try spec.run()
        return String(decoding: result.standardOutput + result.standardError, as: UTF8.self)
    }

    @Test func theEnvironmentIsInheritedAddedToOrReplaced() throws {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? ""
        let script = "echo \"$HOME|$BERTH_ADDED\""
        #expect(try Self.output(ProcessSpec("/bin/sh", ["-c", script])) == "\(home)|\n")
        #expect(try Self.output(ProcessSpec("/bin/sh", ["-c", script], environment: .adding(["BERTH_ADDED": "yes"]))) == "\(home)|yes\n")
        let exactly = try Self.output(ProcessSpec("/usr/bin/env", environment: .exactly(["ONLY": "this", "AND": "that"])))
        #expect(exactly == "AND=that\nONLY=this\n")
    }

    @Test func theChildStartsInItsWorkingDirectory() throws {
        let folder = try TemporaryFolder(prefix: "berth-process")
        defer { folder.remove() }
        let real = URL(fileURLWithPath: folder.path).resolvingSymlinksInPath().path
        #expect(try Self.output(ProcessSpec("/bin/pwd", ["-P"], workingDirectory: folder.path)) == real + "\n")
        #expect(try Self.output(ProcessSpec("/bin/pwd", ["-P"])) == FileManager.default.currentDirectoryPath + "\n")
    }

    @Test func aMissingWorkingDirectoryIsAFailedStart() {
        #expect(throws: ProcessError.cannotStart("/bin/pwd", errno: ENOENT)) {
            try ProcessSpec("/bin/pwd", workingDirectory: "/nonexistent-berth-dir").start()
        }
    }

    @Test func aBareNameIsLookedUpOnPathAndInTheSbinFolders() throws {
        #expect(try Self.output(ProcessSpec("echo", ["found"])) == "found\n")
        #expect(ExecutableSearch.find("sh") != nil)
        // Not on a PATH that lacks it, but in a fallback folder.
        #expect(ExecutableSearch.find("sh", path: "/nonexistent") == "/usr/bin/sh" || ExecutableSearch.find("sh", path: "/nonexistent") == "/bin/sh")
        // A folder with an x bit is not a program.
        #expect(ExecutableSearch.find("/usr/bin") == nil)
    }

    @Test func aProgramThatIsNotInstalledIsAnErrorThatSaysSo() {
        let error = #expect(throws: ProcessError.self) { try ProcessSpec("no-such-tool-berth").start() }
        #expect(error == .notFound("no-such-tool-berth"))
        #expect(error?.description.hasPrefix("no-such-tool-berth is not installed (not found in PATH or in /usr/local/sbin, /usr/sbin, /sbin") == true)
    }

    @Test func aPathThatDoesNotExistIsAFailedStartNamingIt() {
        let error = #expect(throws: ProcessError.self) { try ProcessSpec("/nonexistent/berth-binary").start() }
        #expect(error == .cannotStart("/nonexistent/berth-binary", errno: ENOENT))
        #expect(error?.description == "cannot start /nonexistent/berth-binary: No such file or directory")
    }
}
