/// What to start and how: the program, its arguments, environment and working directory,
/// whether it leads a process group of its own, and where its three standard streams go.
///
/// Every child started from a spec gets only descriptors 0, 1 and 2 (everything else this
/// process has open is closed in the child, close-on-exec or not), an empty signal mask and
/// every signal at its default disposition (so a child of a process that ignores SIGPIPE does
/// not ignore it too). `start()` returns at once with a `SpawnedProcess`; `run(input:timeLimit:)`
/// waits for the end and collects what the child wrote.
public struct ProcessSpec: Sendable {
    /// A path (with a slash, used as given; a relative one is relative to the child's working
    /// directory) or a bare name looked up with `ExecutableSearch.find`.
    public var executable: String
    /// The arguments after argv[0] (argv[0] is `executable` as given).
    public var arguments: [String]
    public var environment: ProcessEnvironment
    /// nil: this process's working directory.
    public var workingDirectory: String?
    /// Leads a new process group (its pgid is its pid), so a signal to the group reaches what it
    /// started (`sh -c` pipelines, a daemon's workers), and a signal to this process's group
    /// (Ctrl-C in a terminal) does not reach it.
    public var ownProcessGroup: Bool
    public var standardInput: StandardInput
    public var standardOutput: StandardOutput
    public var standardError: StandardOutput

    public init(
        _ executable: String, _ arguments: [String] = [], environment: ProcessEnvironment = .inherit,
        workingDirectory: String? = nil, ownProcessGroup: Bool = false, standardInput: StandardInput = .null,
        standardOutput: StandardOutput = .inherit, standardError: StandardOutput = .inherit
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.ownProcessGroup = ownProcessGroup
        self.standardInput = standardInput
        self.standardOutput = standardOutput
        self.standardError = standardError
    }

    /// The command line as one string, for messages.
    public var commandLine: String { ([executable] + arguments).joined(separator: " ") }
}
