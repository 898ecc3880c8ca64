import Foundation

/// Runs containers in their own pid, mount, UTS, IPC and network namespaces under cgroup
/// limits, through berth-init (one monitor process per container, like conmon).
///
/// The runtime keeps no state in memory: everything lives in the state directory and the
/// kernel (cgroups, /proc), so a new instance over the same directory — an agent restarted
/// after a crash — sees exactly what the old one would have: containers still running,
/// those that ended meanwhile (their `exit` records), and anything half-made, which `list`
/// reports and `remove` deletes.
public final class LinuxRuntime: Sendable {
    public struct Configuration: Sendable {
        /// Holds one directory per container (see `ContainerStateDirectory`).
        public var stateDirectory: String
        /// Separates this agent's cgroups (`<hierarchy>/berth/<scope>/<id>`) from any other's.
        public var scope: String
        /// The berth-init executable; nil for the one beside the running executable.
        public var initPath: String?
        /// How long `start` waits for the command to be running.
        public var startTimeout: Duration

        public init(stateDirectory: String, scope: String, initPath: String? = nil, startTimeout: Duration = .seconds(10)) {
            self.stateDirectory = stateDirectory
            self.scope = scope
            self.initPath = initPath
            self.startTimeout = startTimeout
        }
    }

    public let configuration: Configuration
    public let cgroups: Cgroups
    let launcher: InitLauncher

    /// Checks the configuration, makes the state directory, and finds the cgroups (detected
    /// unless given) and berth-init.
    public init(_ configuration: Configuration, cgroups: Cgroups? = nil) throws(LinuxRuntimeError) {
        guard LinuxContainerSpec.isName(configuration.scope) else {
            throw .invalidSpec("scope must be 1-128 letters, digits, '.', '_' or '-': \(configuration.scope)")
        }
        guard configuration.stateDirectory.hasPrefix("/") else {
            throw .invalidSpec("stateDirectory must be an absolute path: \(configuration.stateDirectory)")
        }
        do {
            try FileManager.default.createDirectory(atPath: configuration.stateDirectory, withIntermediateDirectories: true)
        } catch {
            throw .stateIO("cannot create \(configuration.stateDirectory): \(error)")
        }
        guard let executable = configuration.initPath ?? InitLauncher.besideExecutable() else {
            throw .initNotFound("cannot tell where the running executable is")
        }
        guard access(executable, X_OK) == 0 else { throw .initNotFound("\(executable) is not an executable file") }
        self.configuration = configuration
        if let cgroups {
            self.cgroups = cgroups
        } else {
            self.cgroups = try Cgroups.detect()
        }
        self.launcher = InitLauncher(executable: executable)
    }

    var scope: String { configuration.scope }

    func state(_ id: String) -> ContainerStateDirectory {
        ContainerStateDirectory(path: configuration.stateDirectory + "/" + id)
    }

    /// Starts the container and returns its init's host pid once the command has been
    /// exec'd. A setup failure (missing rootfs, command, namespace …) throws `startFailed`
    /// with berth-init's message; the log keeps it too, and nothing else is left behind.
    public func start(_ spec: LinuxContainerSpec) async throws(LinuxRuntimeError) -> Int32 {
        try spec.validate()
        let state = state(spec.id)
        guard try state.create() else { throw .alreadyExists(id: spec.id) }
        do throws(LinuxRuntimeError) {
            try state.write(spec)
            try state.writeEnvironment(spec.environment)
            try makeParentDirectory(of: spec.logPath)
            if cgroups.exists(scope: scope, id: spec.id) {
                // A leftover from a start that died before its state was written.
                try await removeCgroups(spec.id)
            }
            try cgroups.create(scope: scope, id: spec.id, limits: spec.limits, privilegedDevices: spec.security?.privileged ?? false)
            let arguments = InitLauncher.arguments(for: spec, state: state, cgroups: cgroups.directories(scope: scope, id: spec.id))
            let spawned = try launcher.spawn(arguments, log: spec.logPath)
            return try await waitUntilRunning(spec, state: state, spawned: spawned)
        } catch {
            await discard(spec.id)
            throw error
        }
    }

    /// Polls for `pid` (running) or `exit` (setup failed): tightly at first, since a start
    /// takes a few milliseconds, then more slowly.
    private func waitUntilRunning(_ spec: LinuxContainerSpec, state: ContainerStateDirectory, spawned: pid_t) async throws(LinuxRuntimeError) -> Int32 {
        let begin = ContinuousClock.now
        var spawnedExit: Int32?
        while true {
            if spawnedExit == nil { spawnedExit = InitLauncher.reap(spawned, block: false) }
            if let pid = state.initPID() {
                if spawnedExit == nil { _ = InitLauncher.reap(spawned, block: true) }
                return pid
            }
            if let record = state.exitRecord() {
                if spawnedExit == nil { _ = InitLauncher.reap(spawned, block: true) }
                let exit = record.exit(memoryLimitMiB: spec.limits.memoryMiB)
                if case .setupFailed(let code, let message) = record.outcome {
                    throw .startFailed(id: spec.id, code: code, message: message)
                }
                throw .startFailed(id: spec.id, code: exit.code ?? 125, message: "ended before it was seen running")
            }
            if let code = spawnedExit, code > 0 {
                throw .startFailed(id: spec.id, code: code, message: "berth-init exited with \(code) before starting its monitor (see \(spec.logPath))")
            }
            let elapsed = ContinuousClock.now - begin
            if elapsed > configuration.startTimeout { throw .startTimedOut(id: spec.id, after: configuration.startTimeout) }
            try? await Task.sleep(for: elapsed < .milliseconds(100) ? .microseconds(250) : .milliseconds(5))
        }
    }

    private func makeParentDirectory(of path: String) throws(LinuxRuntimeError) {
        let parent = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw .stateIO("cannot create the log directory \(parent): \(error)")
        }
    }
}
