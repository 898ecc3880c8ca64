import ArgumentParser
import BerthCore

/// A duration on the command line (`15s`, `500ms`, `1m30s`), parsed once, where ArgumentParser
/// reads the flag: a malformed one is a usage error naming the flag, and the command gets a
/// typed `Duration`, never text to parse again.
struct DurationFlag: ExpressibleByArgument, Sendable, CustomStringConvertible {
    let value: Duration

    init(_ value: Duration) { self.value = value }

    init?(argument: String) {
        guard let value = DurationText.parse(argument) else { return nil }
        self.value = value
    }

    var description: String { DurationText.format(value) }
    var defaultValueDescription: String { description }
}
