import CBPF
import Foundation


/// Loads a `DeviceFilterProgram` into the kernel (`bpf(BPF_PROG_LOAD)`) and attaches it to a
/// cgroup v2 directory (`BPF_PROG_ATTACH`, `BPF_CGROUP_DEVICE`): what v1's `devices.allow`
/// does, for cgroup v2. The cgroup then holds the program; when the cgroup is removed the
/// kernel frees it, so there is nothing to clean up.
///
/// Attached with `BPF_F_ALLOW_MULTI`, as runc does, rather than alone (flags 0, where a second
/// attach replaces the first, or ALLOW_OVERRIDE). With MULTI the kernel runs every MULTI
/// program from the process's cgroup up to the root, and a device access is allowed only if
/// all of them allow it. So ours only ever narrows: a filter an ancestor has (systemd's
/// `DevicePolicy=` on the agent's slice) keeps applying, and a program attached later below
/// ours — by a container that got hold of its cgroup — adds restrictions but cannot widen
/// ours. A non-MULTI program here would instead override an ALLOW_OVERRIDE program above.
/// The cost of MULTI is that attaching again adds a second program instead of replacing
/// the first; `attach` therefore detaches whatever was attached before it (a retried start),
/// after the new one is in place so that the cgroup is never without a filter.
public enum DeviceFilterLoader {
    /// The program calls no kernel helper, so its license gates nothing; runc says "Apache".
    public static let license = "Apache"
    static let allowMulti = UInt32(BPF_F_ALLOW_MULTI)
    static let attachType = BPF_CGROUP_DEVICE.rawValue

    /// Loads `program` and attaches it to the cgroup v2 `directory`, replacing any device
    /// program attached there before. Throws `deviceFilter` naming the step and the errno,
    /// with the verifier's log when the kernel refused the program.
    public static func attach(_ program: [BPFInstruction], to directory: String) throws(LinuxRuntimeError) {
        let cgroup = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard cgroup >= 0 else { throw .deviceFilter(path: directory, reason: "cannot open: \(errorText())") }
        defer { close(cgroup) }
        let before = try attachedPrograms(cgroup, directory)
        let loaded = try load(program, for: directory)
        defer { close(loaded) }
        guard berth_bpf_prog_attach(cgroup, loaded, attachType, allowMulti) == 0 else {
            throw .deviceFilter(path: directory, reason: "BPF_PROG_ATTACH (BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI): \(errorText())")
        }
        for id in before {
            let old = berth_bpf_prog_get_fd_by_id(id)
            if old < 0, errno == ENOENT { continue }  // released meanwhile
            guard old >= 0 else { throw .deviceFilter(path: directory, reason: "BPF_PROG_GET_FD_BY_ID \(id) (an older filter): \(errorText())") }
            defer { close(old) }
            if berth_bpf_prog_detach(cgroup, old, attachType) != 0, errno != ENOENT {
                throw .deviceFilter(path: directory, reason: "BPF_PROG_DETACH of the older filter \(id): \(errorText())")
            }
        }
    }

    /// The ids of the device programs attached to `directory` itself (not its ancestors').
    public static func attachedPrograms(_ directory: String) throws(LinuxRuntimeError) -> [UInt32] {
        let cgroup = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard cgroup >= 0 else { throw .deviceFilter(path: directory, reason: "cannot open: \(errorText())") }
        defer { close(cgroup) }
        return try attachedPrograms(cgroup, directory)
    }

    private static func attachedPrograms(_ cgroup: Int32, _ directory: String) throws(LinuxRuntimeError) -> [UInt32] {
        var room: UInt32 = 16
        while true {
            var ids = [UInt32](repeating: 0, count: Int(room))
            var count = room
            let result = ids.withUnsafeMutableBufferPointer { berth_bpf_prog_query(cgroup, attachType, $0.baseAddress, &count) }
            if result == 0 { return Array(ids.prefix(Int(count))) }
            guard errno == ENOSPC, count > room else {
                throw .deviceFilter(path: directory, reason: "BPF_PROG_QUERY (BPF_CGROUP_DEVICE): \(errorText())")
            }
            room = count
        }
    }

    /// BPF_PROG_LOAD; on failure loads again with the verifier's log on, for the message.
    static func load(_ program: [BPFInstruction], for directory: String) throws(LinuxRuntimeError) -> Int32 {
        let bytes = program.flatMap(\.encoded)
        let type = BPF_PROG_TYPE_CGROUP_DEVICE.rawValue
        let count = UInt32(program.count)
        let loaded = bytes.withUnsafeBytes { berth_bpf_prog_load(type, $0.baseAddress, count, license, nil, 0, 0) }
        if loaded >= 0 { return loaded }
        let failure = errno
        var reason = "BPF_PROG_LOAD (BPF_PROG_TYPE_CGROUP_DEVICE, \(program.count) instructions): \(errorText(failure))"
        if failure == EPERM {
            reason += " (needs CAP_SYS_ADMIN or CAP_BPF; kernels before 5.11 also charge programs to RLIMIT_MEMLOCK)"
        }
        var log = [CChar](repeating: 0, count: 1 << 16)
        let retried = bytes.withUnsafeBytes { code in
            log.withUnsafeMutableBufferPointer { berth_bpf_prog_load(type, code.baseAddress, count, license, $0.baseAddress, UInt32($0.count), 1) }
        }
        if retried >= 0 { close(retried) }
        let text = log.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }.trimmingCharacters(in: .whitespacesAndNewlines)
        if !text.isEmpty { reason += "; verifier: " + text }
        throw .deviceFilter(path: directory, reason: reason)
    }

    private static func errorText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }
}
