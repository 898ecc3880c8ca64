import Foundation

/// A tiny root filesystem: Debian's static busybox and symlinks for the applets the tests
/// use, plus an /etc/resolv.conf of its own (so a test can tell the bound one apart).
enum BusyboxRootfs {
    static let applets = [
        "sh", "cat", "ls", "hostname", "ps", "sleep", "echo", "test", "head", "tail", "ip", "mount", "env", "wc", "tr", "readlink",
        "mknod", "unshare", "grep", "id", "dd", "touch", "stat", "cut", "insmod", "mkdir", "rm", "sort", "nc",
    ]
    static let ownResolvConf = "nameserver 198.18.0.1\n"

    static func build(at root: String) throws {
        guard let busybox = TestRequirements.path(of: "busybox") else { throw RequirementError("missing tool: busybox (Debian: busybox-static)") }
        let binary = try Data(contentsOf: URL(fileURLWithPath: busybox))
        // A dynamically linked busybox could not run inside the rootfs (no loader, no libc).
        guard !hasInterpreter(binary) else {
            throw RequirementError("missing tool: a statically linked busybox (Debian: busybox-static); \(busybox) is dynamic")
        }
        let manager = FileManager.default
        try manager.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
        try manager.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
        try binary.write(to: URL(fileURLWithPath: root + "/bin/busybox"))
        try manager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root + "/bin/busybox")
        for applet in applets {
            try manager.createSymbolicLink(atPath: root + "/bin/" + applet, withDestinationPath: "busybox")
        }
        try ownResolvConf.write(toFile: root + "/etc/resolv.conf", atomically: true, encoding: .utf8)
    }

    /// Whether a 64-bit little-endian ELF file has a PT_INTERP program header (a dynamic
    /// loader to run it).
    static func hasInterpreter(_ elf: Data) -> Bool {
        let bytes = [UInt8](elf.prefix(65536))
        func integer(_ offset: Int, _ size: Int) -> Int {
            guard offset + size <= bytes.count else { return 0 }
            return (0..<size).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) }
        }
        guard bytes.count > 64, bytes[0..<4] == [0x7f, 0x45, 0x4c, 0x46] else { return true }
        let tableOffset = integer(32, 8), entrySize = integer(54, 2), count = integer(56, 2)
        return (0..<count).contains { integer(tableOffset + $0 * entrySize, 4) == 3 }
    }
}
