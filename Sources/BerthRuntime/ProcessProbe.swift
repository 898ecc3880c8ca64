import Glibc

/// Is a pid from a state file still the process it was? Pids are reused, and a zombie still
/// answers `kill(pid, 0)`, so a pid counts only when its command line names this
/// container's state directory (berth-init's monitor and init both carry it) and, for the
/// init, when it sits in the container's cgroup.
enum ProcessProbe {
    /// The process is a live berth-init for `stateDirectory`.
    static func isBerthInit(_ pid: Int32, stateDirectory: String) -> Bool {
        guard pid > 0, let text = ControlFile.read("/proc/\(pid)/cmdline") else { return false }
        let arguments = text.split(separator: "\0", omittingEmptySubsequences: false)
        guard let flag = arguments.firstIndex(of: "--state-dir"), flag + 1 < arguments.count else { return false }
        return arguments[flag + 1] == stateDirectory
    }

    /// The process's cgroup (in some hierarchy) ends with `relativePath`.
    static func isIn(_ pid: Int32, cgroup relativePath: String) -> Bool {
        guard pid > 0, let text = ControlFile.read("/proc/\(pid)/cgroup") else { return false }
        return text.split(separator: "\n").contains { $0.hasSuffix(relativePath) }
    }
}
