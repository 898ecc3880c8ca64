import BerthTesting
import Foundation

/// A tiny root filesystem for a `dir:` image: Debian's static busybox in /bin with links for
/// the applets the tests run, and a /marker file holding a per-run word, so a container can
/// show it sees this directory and nothing of the host.
enum BusyboxRootfs {
    static let applets = ["sh", "hostname", "ls", "tr", "cat", "head", "echo", "mkdir", "printf", "chmod", "httpd", "sleep", "tail", "wget", "rm"]

    static func build(at root: String, marker: String) throws {
        let busybox = try Tools.path("busybox")
        let binary = try Data(contentsOf: URL(fileURLWithPath: busybox))
        let manager = FileManager.default
        try manager.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
        try binary.write(to: URL(fileURLWithPath: root + "/bin/busybox"))
        try manager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root + "/bin/busybox")
        for applet in applets { try manager.createSymbolicLink(atPath: root + "/bin/" + applet, withDestinationPath: "busybox") }
        try "\(marker)\n".write(toFile: root + "/marker", atomically: true, encoding: .utf8)
    }
}
