import Foundation
import Testing
@testable import BerthLoadBalancer

@Suite struct ConfigWriterTests {
    @Test func writesThenReportsUnchanged() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = ConfigWriter(path: "\(dir)/berth.conf")
        #expect(writer.read() == nil)

        #expect(try writer.write("one\n") == true)
        #expect(writer.read() == "one\n")
        #expect(try writer.write("one\n") == false)
        #expect(try writer.write("two\n") == true)
        #expect(writer.read() == "two\n")
    }

    @Test func leavesNoTemporaryFilesAndReplacesTheInode() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = "\(dir)/berth.conf"
        let writer = ConfigWriter(path: path)
        try writer.write("one\n")
        let before = try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int
        try writer.write(String(repeating: "x", count: 200_000))
        let after = try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int
        // A rename, not an in-place rewrite: a reader holding the old file never sees a mix.
        #expect(before != after)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["berth.conf"])
        #expect(writer.read()?.count == 200_000)
    }

    @Test func keepsPermissionsOfTheFileItReplaces() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = "\(dir)/berth.conf"
        let writer = ConfigWriter(path: path)
        try writer.write("one\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        try writer.write("two\n")
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
    }

    @Test func missingDirectoryIsAnError() {
        let writer = ConfigWriter(path: "/nonexistent-berth-dir/berth.conf")
        #expect(throws: ConfigWriterError.self) { try writer.write("x") }
    }

    @Test func removeIgnoresAMissingFile() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ConfigWriter(path: "\(dir)/none.conf").remove()
    }
}
