import Glibc

extension Cgroups {
    /// The host pids in the container's cgroups (the union over hierarchies).
    public func members(scope: String, id: String) -> [Int32] {
        var pids = Set<Int32>()
        for directory in directories(scope: scope, id: id) {
            let text = ControlFile.read(directory + "/cgroup.procs") ?? ""
            pids.formUnion(text.split(separator: "\n").compactMap { Int32($0) })
        }
        return pids.sorted()
    }

    /// Whether any of the container's cgroup directories exists (a half-made one counts).
    public func exists(scope: String, id: String) -> Bool {
        directories(scope: scope, id: id).contains(where: ControlFile.isDirectory)
    }

    /// The OOM kills the container's memory cgroup has seen (v1 `memory.oom_control`, v2
    /// `memory.events`), or nil without a memory cgroup.
    public func oomKillCount(scope: String, id: String) -> Int? {
        guard let directory = directory(for: "memory", scope: scope, id: id) else { return nil }
        return ControlFile.counter("oom_kill", in: directory + (version == .v1 ? "/memory.oom_control" : "/memory.events"))
    }

    /// Kills every process in the container's cgroups: v2 `cgroup.kill` when the kernel has it,
    /// else SIGKILL to each member, again and again while members remain (a process can fork
    /// between the read and the kill; pids.max bounds how often). Returns true once empty.
    @discardableResult
    public func killAll(scope: String, id: String, timeout: Duration = .seconds(5)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        let killFiles = version == .v2
            ? directories(scope: scope, id: id).map { $0 + "/cgroup.kill" }.filter(ControlFile.exists) : []
        while true {
            let pids = members(scope: scope, id: id)
            if pids.isEmpty { return true }
            if ContinuousClock.now >= deadline { return false }
            if killFiles.isEmpty {
                for pid in pids { kill(pid, SIGKILL) }
            } else {
                for file in killFiles { _ = ControlFile.write(file, "1") }
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Removes the container's cgroup directories, retrying while the kernel still counts
    /// exiting members (EBUSY). Missing directories are fine: removing twice succeeds.
    public func remove(scope: String, id: String, timeout: Duration = .seconds(5)) async throws(LinuxRuntimeError) {
        let deadline = ContinuousClock.now + timeout
        for directory in directories(scope: scope, id: id) {
            while rmdir(directory) != 0 {
                let error = errno
                if error == ENOENT { break }
                guard error == EBUSY || error == ENOTEMPTY, ContinuousClock.now < deadline else {
                    if error == EBUSY || error == ENOTEMPTY {
                        throw .cgroupBusy(path: directory, members: members(scope: scope, id: id))
                    }
                    throw .cgroupWrite(path: directory, reason: String(cString: strerror(error)))
                }
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
    }

    /// The container ids that have a cgroup directory under `scope` in any hierarchy: the
    /// way to find cgroups whose state directory never got written (an agent killed between
    /// the mkdir and the spawn).
    public func containers(scope: String) -> [String] {
        var ids = Set<String>()
        for directory in scopeDirectories(scope) {
            guard let handle = opendir(directory) else { continue }
            defer { closedir(handle) }
            while let entry = readdir(handle) {
                guard entry.pointee.d_type == UInt8(DT_DIR) else { continue }
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name != ".", name != ".." { ids.insert(name) }
            }
        }
        return ids.sorted()
    }

    /// Removes the scope's directories when they are empty (for an agent leaving a machine,
    /// or a test run cleaning up). Returns false if any is still in use.
    @discardableResult
    public func removeScope(_ scope: String) -> Bool {
        var clean = true
        for directory in scopeDirectories(scope) where rmdir(directory) != 0 && errno != ENOENT {
            clean = false
        }
        return clean
    }
}
