import Foundation

extension Cgroups {
    /// What a container may do with device nodes, runc's default list: creating any node
    /// (`m`: mknod itself is harmless; CAP_MKNOD decides), and reading and writing only null,
    /// zero, full, random, urandom, tty, console, ptmx and the container's own ptys. Everything
    /// else (a disk's block device above all) fails with EPERM when opened. In v1's
    /// `devices.allow` syntax; the one list both hierarchies enforce (`deviceRules`).
    public static let allowedDevices = [
        "c *:* m", "b *:* m",
        "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
        "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm",
    ]

    /// `allowedDevices` parsed (every line is valid: a test checks that none is dropped).
    public static let deviceRules = allowedDevices.compactMap(DeviceRule.init)

    /// Allows the container only `allowedDevices`. v1: `devices.deny a`, then each line into
    /// `devices.allow`. v2 has no devices files: there the same rules become a BPF program
    /// (`DeviceFilterProgram`) attached to the container's cgroup (`DeviceFilterLoader`), as
    /// runc does. A privileged container gets neither and keeps every device its parent has.
    func restrictDevices(scope: String, id: String, privileged: Bool) throws(LinuxRuntimeError) {
        guard !privileged else { return }
        switch version {
        case .v1:
            guard let directory = directory(for: "devices", scope: scope, id: id) else { return }
            if let reason = ControlFile.write(directory + "/devices.deny", "a") {
                throw .cgroupWrite(path: directory + "/devices.deny", reason: reason)
            }
            for rule in Self.allowedDevices {
                if let reason = ControlFile.write(directory + "/devices.allow", rule) {
                    throw .cgroupWrite(path: directory + "/devices.allow", reason: "\(reason) (value \(rule))")
                }
            }
        case .v2:
            for directory in directories(scope: scope, id: id) {
                try DeviceFilterLoader.attach(DeviceFilterProgram.instructions(allowing: Self.deviceRules), to: directory)
            }
        }
    }

    /// Why a memory limit cannot include swap on this machine, or nil when it can: v1 without
    /// swap accounting (no `memory.memsw.*`, the kernel booted without swapaccount=1), or v2
    /// without `memory.swap.max`. The agent says it once at start.
    public var swapLimitProblem: String? {
        guard let memory = hierarchies.first(where: { $0.controllers.contains("memory") }) else { return nil }
        let swapOn = (ControlFile.read("/proc/swaps") ?? "").split(separator: "\n").count > 1
        let state = swapOn ? "swap is on, so a container can use swap beyond its memory limit" : "no swap is on now"
        switch version {
        case .v1:
            if ControlFile.exists(memory.mountPoint + "/memory.memsw.limit_in_bytes") { return nil }
            return "cgroup v1 without swap accounting (no memory.memsw.limit_in_bytes; boot with swapaccount=1): memory limits cannot include swap, and \(state)"
        case .v2:
            let children = ((try? FileManager.default.contentsOfDirectory(atPath: memory.mountPoint)) ?? []).filter { ControlFile.isDirectory(memory.mountPoint + "/" + $0) }
            if children.contains(where: { ControlFile.exists(memory.mountPoint + "/" + $0 + "/memory.swap.max") }) { return nil }
            if children.isEmpty { return nil }
            return "cgroup v2 without memory.swap.max (no swap accounting): memory limits cannot include swap, and \(state)"
        }
    }
}
