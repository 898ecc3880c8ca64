import Logging

/// Where the follower hands each newly rendered config. A protocol so the follower's
/// change-detection can be tested without files, proxies or processes.
public protocol ConfigApplying: Sendable {
    func apply(_ config: String) async -> ApplyOutcome
}

/// What became of one rendered config.
public enum ApplyOutcome: Sendable, Hashable, CustomStringConvertible {
    /// The file already held exactly this text: nothing written, nothing reloaded.
    case unchanged
    /// Written; `reloaded` is false when no reload command was given.
    case applied(reloaded: Bool)
    /// The check failed: the previous file is in place and the proxy was not reloaded.
    case rejected(String)
    /// Writing or reloading failed.
    case failed(String)

    public var description: String {
        switch self {
        case .unchanged: "unchanged"
        case .applied(let reloaded): reloaded ? "written and reloaded" : "written (no reload command)"
        case .rejected(let why): "rejected by the check, previous config kept: \(why)"
        case .failed(let why): "failed: \(why)"
        }
    }
}

/// Puts a rendered config in place and makes the proxy use it: check, atomic write, reload.
///
/// A config that fails its check never stays in place, so the proxy keeps running (and reloading
/// later) with the last good one. The reload only runs when the text really changed.
public struct Reloader: ConfigApplying {
    public var writer: ConfigWriter
    public var check: ConfigCheck
    /// Run through `/bin/sh -c` after a successful write; `BERTH_LB_FILE` holds the file's path.
    public var reload: String?
    public var logger: Logger

    public init(writer: ConfigWriter, check: ConfigCheck, reload: String?, logger: Logger) {
        self.writer = writer
        self.check = check
        self.reload = reload
        self.logger = logger
    }

    private var environment: [String: String] { ["BERTH_LB_FILE": writer.path] }

    public func apply(_ config: String) async -> ApplyOutcome {
        let previous = writer.read()
        if previous == config { return .unchanged }
        if let failure = await check.precheck(config) {
            logger.error("new config for \(writer.path) failed its check (exit \(failure.status)); keeping the previous one: \(failure.outputTail)")
            return .rejected(failure.outputTail)
        }
        do {
            try writer.write(config)
        } catch {
            logger.error("cannot write \(writer.path): \(error)")
            return .failed(error.description)
        }
        if case .shell(let line) = check {
            let result = await HookRunner.shell(line, environment: environment)
            if !result.succeeded {
                let restored = restore(previous)
                logger.error("check `\(line)` failed (exit \(result.status)); \(restored): \(result.outputTail)")
                return .rejected(result.outputTail)
            }
        }
        guard let reload else { return .applied(reloaded: false) }
        let result = await HookRunner.shell(reload, environment: environment)
        guard result.succeeded else {
            logger.error("reload `\(reload)` failed (exit \(result.status)): \(result.outputTail)")
            return .failed("reload exited \(result.status): \(result.outputTail)")
        }
        return .applied(reloaded: true)
    }

    /// Puts back the file as it was before this apply; returns what happened, for the log.
    private func restore(_ previous: String?) -> String {
        do {
            if let previous {
                try writer.write(previous)
                return "previous config restored"
            }
            try writer.remove()
            return "new file removed (there was none before)"
        } catch {
            return "and the previous config could not be restored (\(error))"
        }
    }
}
