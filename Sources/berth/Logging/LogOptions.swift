import ArgumentParser
import Logging

/// `--log-level` and `--log-format`, shared by the long-running commands (serve, agent, lb).
struct LogOptions: ParsableArguments {
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @Option(help: "Log format: text (for people) or json (one object per line, for log shippers).")
    var logFormat: Format = .text

    /// Installs the chosen handler for the whole process; call once, first thing in `run`.
    func bootstrap() {
        let (level, format) = (logLevel, logFormat)
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = switch format {
            case .text: StreamLogHandler.standardError(label: label)
            case .json: JSONLogHandler(label: label)
            }
            handler.logLevel = level
            return handler
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
