import Foundation

/// How a `run` ended and what the child wrote to the streams that were pipes.
public struct ProcessResult: Sendable {
    public var termination: Termination
    /// What it wrote to stdout (empty unless stdout was `.pipe`).
    public var standardOutput: Data
    /// What it wrote to stderr (empty unless stderr was `.pipe`).
    public var standardError: Data
    /// The time limit passed and the child (its group, when it led one) was signalled.
    public var timedOut: Bool

    /// The exit code, 128 + the signal, or -1: what a shell would report.
    public var status: Int32 { termination.code }
    public var succeeded: Bool { termination == .exited(0) }
}
