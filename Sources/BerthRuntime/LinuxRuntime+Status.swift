import Foundation

extension LinuxRuntime {
    /// The container's status from its state files and the kernel, or nil when the runtime has
    /// neither state nor cgroups for the id. Works the same for containers started by an
    /// earlier runtime instance (adoption needs no extra step).
    public func status(_ id: String) -> LinuxContainerStatus? {
        let state = state(id)
        guard state.exists else {
            guard cgroups.exists(scope: scope, id: id) else { return nil }
            return .exited(LinuxContainerExit(code: nil, setupFailed: true, reason: "leftover cgroup without runtime state"))
        }
        let spec = state.spec()
        if let record = state.exitRecord() {
            return .exited(record.exit(memoryLimitMiB: spec?.limits.memoryMiB))
        }
        let monitorAlive = state.monitorPID().map { ProcessProbe.isBerthInit($0, stateDirectory: state.path) } ?? false
        if let pid = state.initPID() {
            let initAlive = ProcessProbe.isBerthInit(pid, stateDirectory: state.path)
                && ProcessProbe.isIn(pid, cgroup: cgroups.relativePath(scope: scope, id: id))
            // An init that just ended while its monitor runs: the exit record is moments away.
            if initAlive || monitorAlive { return .running(pid: pid) }
            // Both gone: the monitor may have written the record and exited since it was read
            // above (a command that ends at once), so it is read again before calling the end
            // unrecorded.
            if let record = state.exitRecord() { return .exited(record.exit(memoryLimitMiB: spec?.limits.memoryMiB)) }
            return .exited(unrecordedEnd(id, spec: spec))
        }
        if monitorAlive { return .starting }
        if state.monitorPID() == nil, let started = state.startedAt(),
            Date().timeIntervalSince(started) < Self.seconds(configuration.startTimeout)
        {
            return .starting
        }
        if let record = state.exitRecord() { return .exited(record.exit(memoryLimitMiB: spec?.limits.memoryMiB)) }
        return .exited(LinuxContainerExit(code: nil, setupFailed: true, reason: "never started: berth-init is gone"))
    }

    /// The host pids whose end is the container's end: its monitor (which exits once the exit
    /// record is written) and its init, each only while it is still this container's berth-init.
    /// Something to watch (a pidfd) so an exit is seen at once; `status` stays the truth.
    public func processes(_ id: String) -> [Int32] {
        let state = state(id)
        return [state.monitorPID(), state.initPID()].compactMap { $0 }
            .filter { ProcessProbe.isBerthInit($0, stateDirectory: state.path) }
    }

    /// The spec a container was started with, as stored in its state directory.
    public func spec(_ id: String) -> LinuxContainerSpec? {
        state(id).spec()
    }

    /// Every container the runtime has state or cgroups for, in id order: running ones,
    /// ended ones whose exit is still to be collected, and leftovers to `remove`.
    public func list() -> [LinuxContainerListing] {
        let stateIDs = ((try? FileManager.default.contentsOfDirectory(atPath: configuration.stateDirectory)) ?? [])
            .filter { LinuxContainerSpec.isName($0) && ControlFile.isDirectory(configuration.stateDirectory + "/" + $0) }
        let ids = Set(stateIDs).union(cgroups.containers(scope: scope))
        return ids.sorted().compactMap { id in
            guard let status = status(id) else { return nil }
            return LinuxContainerListing(
                id: id, status: status, hasState: state(id).exists, hasCgroup: cgroups.exists(scope: scope, id: id))
        }
    }

    /// A container whose init is gone with no exit record (its monitor was killed too): the
    /// code is unknown, but the cgroup still knows about OOM kills.
    private func unrecordedEnd(_ id: String, spec: LinuxContainerSpec?) -> LinuxContainerExit {
        if (cgroups.oomKillCount(scope: scope, id: id) ?? 0) > 0 {
            let limit = spec?.limits.memoryMiB.map { "\($0) MiB" } ?? "none"
            return LinuxContainerExit(code: nil, oomKilled: true, reason: "OOM killed (memory limit \(limit)); exit code unknown: its monitor was gone")
        }
        return LinuxContainerExit(code: nil, reason: "exit code unknown: it ended while its monitor was gone")
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
