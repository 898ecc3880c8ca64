#if canImport(Glibc)
import Glibc
#endif

/// The descriptors a spawn hands the child as 0, 1 and 2, opened here in the parent (so an
/// unopenable log file is a clear error rather than a failed spawn), all close-on-exec: only
/// the spawn's dup2 gives them to the child, never to a child another thread starts meanwhile.
struct ChildDescriptors {
    /// For each of 0, 1, 2: the descriptor of this process to dup2 there, or nil to inherit.
    private(set) var childEnds: [Int32?] = [nil, nil, nil]
    /// This process's ends of pipes: stdin's write end, stdout's and stderr's read ends (-1: none).
    private(set) var parentEnds: [Int32] = [-1, -1, -1]
    /// Every descriptor opened for the child's side, closed once the child has its copies.
    private var opened: [Int32] = []

    init(input: StandardInput, output: StandardOutput, error: StandardOutput) throws(ProcessError) {
        do {
            switch input {
            case .inherit: break
            case .null: childEnds[0] = try open("/dev/null", O_RDONLY)
            case .file(let path): childEnds[0] = try open(path, O_RDONLY)
            case .pipe: (childEnds[0], parentEnds[0]) = try pipe(childReads: true)
            }
            try place(output, at: 1)
            if case .standardOutput = error { childEnds[2] = childEnds[1] } else { try place(error, at: 2) }
        } catch {
            closeAll()
            throw error
        }
    }

    private mutating func place(_ output: StandardOutput, at fd: Int) throws(ProcessError) {
        switch output {
        case .inherit, .standardOutput: break  // stdout "as stdout" is stdout as it is
        case .null: childEnds[fd] = try open("/dev/null", O_WRONLY)
        case .file(let path, let mode, let permissions):
            childEnds[fd] = try open(path, O_WRONLY | O_CREAT | (mode == .append ? O_APPEND : O_TRUNC), permissions)
        case .pipe: (childEnds[fd], parentEnds[fd]) = try pipe(childReads: false)
        }
    }

    private mutating func open(_ path: String, _ flags: Int32, _ permissions: mode_t = 0) throws(ProcessError) -> Int32 {
        let fd = Glibc.open(path, flags | O_CLOEXEC, permissions)
        guard fd >= 0 else { throw .cannotOpen(path, errno: errno) }
        opened.append(fd)
        return fd
    }

    /// A pipe, both ends close-on-exec: the child's end and this process's.
    private mutating func pipe(childReads: Bool) throws(ProcessError) -> (child: Int32, parent: Int32) {
        var ends: [Int32] = [-1, -1]
        guard Glibc.pipe(&ends) == 0 else { throw .cannotMakePipe(errno: errno) }
        for fd in ends { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let (child, parent) = childReads ? (ends[0], ends[1]) : (ends[1], ends[0])
        opened.append(child)
        return (child, parent)
    }

    /// After the spawn: the child has its copies, this process keeps only its pipe ends.
    mutating func closeChildEnds() {
        for fd in opened { close(fd) }
        opened = []
    }

    /// After a failed spawn: nothing is kept.
    mutating func closeAll() {
        closeChildEnds()
        for fd in parentEnds where fd >= 0 { close(fd) }
        parentEnds = [-1, -1, -1]
    }
}
