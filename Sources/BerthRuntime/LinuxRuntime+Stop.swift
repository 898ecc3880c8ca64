import Glibc

extension LinuxRuntime {
    /// Stops the container: SIGTERM to its init (which passes it to the command), up to
    /// `grace` for it to end, then SIGKILL to everything in its cgroups. Returns how it
    /// ended (nil for an unknown id). State and cgroups stay until `remove`, so the exit can
    /// still be read.
    @discardableResult
    public func stop(_ id: String, grace: Duration) async -> LinuxContainerExit? {
        guard let current = status(id) else { return nil }
        switch current {
        case .exited(let exit):
            return exit
        case .running(let pid):
            kill(pid, SIGTERM)
            if await waitForEnd(id, within: grace) { break }
            await killUntilEnded(id)
        case .starting:
            // Nothing to be graceful with before the command runs.
            await killUntilEnded(id)
        }
        return status(id)?.exit ?? LinuxContainerExit(code: nil, reason: "did not end after SIGKILL")
    }

    /// SIGKILL to the cgroups' members until the container has ended, again for an init that
    /// joined its cgroups only after the first kill (a stop while it was still starting).
    private func killUntilEnded(_ id: String) async {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            await cgroups.killAll(scope: scope, id: id, timeout: .seconds(1))
            if await waitForEnd(id, within: .milliseconds(200)) { return }
        }
    }

    /// Deletes what is left of a container: kills anything still in its cgroups, waits for
    /// its monitor to record the end, removes the cgroups and the state directory. The log is
    /// kept. Removing an unknown or already removed id does nothing.
    public func remove(_ id: String) async throws(LinuxRuntimeError) {
        let state = state(id)
        try await removeCgroups(id)
        if let monitor = state.monitorPID() {
            let ended = await poll(within: .seconds(2)) { !ProcessProbe.isBerthInit(monitor, stateDirectory: state.path) }
            if !ended { kill(monitor, SIGKILL) }
        }
        try state.remove()
    }

    /// Kills the cgroups' members and removes the directories, again while a late joiner (an
    /// init forked just before its monitor was killed) keeps them busy.
    func removeCgroups(_ id: String) async throws(LinuxRuntimeError) {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            await cgroups.killAll(scope: scope, id: id, timeout: .seconds(2))
            do {
                try await cgroups.remove(scope: scope, id: id, timeout: .seconds(1))
                return
            } catch {
                if case .cgroupBusy = error, ContinuousClock.now < deadline { continue }
                throw error
            }
        }
    }

    /// Undoes a start that failed: the monitor (if it still runs), the cgroups, the state.
    func discard(_ id: String) async {
        let state = state(id)
        if let monitor = state.monitorPID(), ProcessProbe.isBerthInit(monitor, stateDirectory: state.path) {
            kill(monitor, SIGKILL)
        }
        try? await removeCgroups(id)
        try? state.remove()
    }

    /// Waits until the container has ended: its `exit` record exists, or neither its init
    /// nor its monitor runs any more (a monitor killed while the agent was away).
    @discardableResult
    func waitForEnd(_ id: String, within timeout: Duration) async -> Bool {
        await poll(within: timeout) {
            guard let current = self.status(id) else { return true }
            if case .exited = current { return true }
            return false
        }
    }

    /// True as soon as `condition` holds, false after `timeout`; checks every 5 ms.
    func poll(within timeout: Duration, _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            if condition() { return true }
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }
}
