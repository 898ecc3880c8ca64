import Foundation

/// Unbuffered output: followed feeds (`events -f`, `logs -f`, `service create --wait`) must show
/// each line as it happens even when stdout is a pipe, which `print`'s buffering would delay.
enum Console {
    static func out(_ line: String) { write(Data((line + "\n").utf8)) }

    static func write(_ data: Data) { FileHandle.standardOutput.write(data) }

    /// A notice that is not a failure (the command goes on).
    static func notice(_ line: String) { FileHandle.standardError.write(Data(("berth: " + line + "\n").utf8)) }
}
