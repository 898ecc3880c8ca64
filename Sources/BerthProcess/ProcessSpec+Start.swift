#if canImport(Glibc)
import Glibc
#endif

extension ProcessSpec {
    /// Starts the child and returns at once. Throws when the program is not found or cannot be
    /// executed, or a stream's file cannot be opened; a child that starts and then fails is an
    /// exit code, read when it is reaped.
    ///
    /// posix_spawn (vfork + exec in glibc), never fork from Swift and never Foundation's
    /// `Process`, whose `run()` crashed (a memcpy from a bad pointer) when many threads of one
    /// process started children at once.
    public func start() throws(ProcessError) -> SpawnedProcess {
        let path = try ExecutableSearch.resolve(executable)
        var descriptors = try ChildDescriptors(input: standardInput, output: standardOutput, error: standardError)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let workingDirectory {
            guard let addChdir = LinuxSymbols.addChdir else {
                descriptors.closeAll()
                throw .unsupported("starting a child in another working directory")
            }
            _ = addChdir(&actions, workingDirectory)
        }
        for (target, source) in descriptors.childEnds.enumerated() {
            if let source { posix_spawn_file_actions_adddup2(&actions, source, Int32(target)) }
        }
        // Last, after the dup2s that read from them: the child keeps 0, 1 and 2 only. Without
        // closefrom (glibc < 2.34) it keeps what this process opened without close-on-exec.
        if let addCloseFrom = LinuxSymbols.addCloseFrom { _ = addCloseFrom(&actions, 3) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        var flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK
        if ownProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp = environment.entries.map { $0.map { strdup($0) } + [nil] }
        defer { envp?.forEach { free($0) } }
        var pid: pid_t = 0
        let status = envp.map { posix_spawn(&pid, path, &actions, &attributes, argv, $0) }
            ?? posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        guard status == 0 else {
            descriptors.closeAll()
            throw .cannotStart(executable, errno: status)
        }
        descriptors.closeChildEnds()
        return SpawnedProcess(pid: pid, leadsProcessGroup: ownProcessGroup, pipes: descriptors.parentEnds)
    }
}
