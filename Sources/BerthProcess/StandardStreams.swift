#if canImport(Glibc)
import Glibc
#endif

/// Where a child's stdin comes from.
public enum StandardInput: Sendable {
    /// This process's own stdin.
    case inherit
    /// /dev/null: reads end at once. The default, since a child reading the agent's or the
    /// test runner's stdin is never wanted.
    case null
    /// A file, opened for reading.
    case file(String)
    /// A pipe: `run` writes its input there; after `start`, `SpawnedProcess.write` does.
    case pipe
}

/// Where a child's stdout or stderr goes.
public enum StandardOutput: Sendable {
    /// This process's own stream.
    case inherit
    /// /dev/null.
    case null
    /// A file, created when missing, appended to or truncated first.
    case file(String, FileWrite = .append, permissions: mode_t = 0o644)
    /// A pipe: `run` collects it; after `start`, read `SpawnedProcess.standardOutput`/`Error`.
    case pipe
    /// For stderr only: the same descriptor as stdout (`2>&1`), so the two stay in order.
    case standardOutput
}

/// How an output file is opened.
public enum FileWrite: Sendable {
    /// Keep what is there and add to the end (a log).
    case append
    /// Start empty.
    case truncate
}

/// The environment a child starts with.
public enum ProcessEnvironment: Sendable {
    /// This process's environment, as it is.
    case inherit
    /// This process's environment with these variables set (or replaced).
    case adding([String: String])
    /// Exactly these variables and no others.
    case exactly([String: String])

    /// `NAME=value` strings for execve, sorted by name (nil: pass `environ` as it is).
    var entries: [String]? {
        switch self {
        case .inherit: return nil
        case .adding(let added): return Self.format(ProcessEnvironment.current.merging(added) { $1 })
        case .exactly(let variables): return Self.format(variables)
        }
    }

    /// This process's environment, read from `environ` (so it matches what `.inherit` passes).
    static var current: [String: String] {
        var variables: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "=") {
                variables[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            entry += 1
        }
        return variables
    }

    private static func format(_ variables: [String: String]) -> [String] {
        variables.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    }
}
