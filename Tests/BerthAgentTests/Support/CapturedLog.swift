import Logging
import Synchronization

/// A logger whose lines a test reads back: what the agent said, at which level.
final class CapturedLog: Sendable {
    struct Line: Sendable, Equatable {
        var level: Logger.Level
        var message: String
    }

    private let lines = Mutex<[Line]>([])

    var logger: Logger {
        Logger(label: "test") { _ in Handler(log: self) }
    }

    var all: [Line] { lines.withLock { $0 } }

    func lines(at level: Logger.Level) -> [String] { all.filter { $0.level == level }.map(\.message) }

    private struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            log.lines.withLock { $0.append(Line(level: event.level, message: event.message.description)) }
        }
    }
}
