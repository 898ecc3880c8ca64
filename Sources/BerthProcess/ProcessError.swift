#if canImport(Glibc)
import Glibc
#endif

/// Why a child could not be started. The description is a sentence for a log or an error body.
public enum ProcessError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A bare program name found neither on PATH nor in the fallback folders.
    case notFound(String)
    /// posix_spawn failed (the program is missing or not executable, a file action failed).
    case cannotStart(String, errno: Int32)
    /// A file for stdin, stdout or stderr could not be opened.
    case cannotOpen(String, errno: Int32)
    /// The pipes for the child's streams could not be made (too many open files).
    case cannotMakePipe(errno: Int32)
    /// A working directory was asked for and this glibc cannot change it at spawn (< 2.29).
    case unsupported(String)

    public var description: String {
        switch self {
        case .notFound(let name):
            "\(name) is not installed (not found in PATH or in \(ExecutableSearch.fallbackFolders.joined(separator: ", ")))"
        case .cannotStart(let executable, let code): "cannot start \(executable): \(Self.text(code))"
        case .cannotOpen(let path, let code): "cannot open \(path): \(Self.text(code))"
        case .cannotMakePipe(let code): "cannot make a pipe: \(Self.text(code))"
        case .unsupported(let what): "\(what) is not supported by this C library"
        }
    }

    private static func text(_ code: Int32) -> String { String(cString: strerror(code)) }
}
