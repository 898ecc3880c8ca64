import BerthProcess
import Foundation

/// Runs a tool to set up or inspect a test (ip netns, busybox): the runtime under test never
/// goes through here.
enum Shell {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Through BerthProcess (posix_spawn), not Foundation's `Process`, whose `run()`
    /// crashed in a memcpy when many tests started children at once.
    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        let result: ProcessResult
        do {
            result = try ProcessSpec(arguments[0], Array(arguments.dropFirst()), standardOutput: .pipe, standardError: .pipe).run()
        } catch {
            throw Failure(description: "\(arguments.joined(separator: " ")): \(error)")
        }
        let text = String(decoding: result.standardOutput + result.standardError, as: UTF8.self)
        guard result.status == 0 else {
            throw Failure(description: "\(arguments.joined(separator: " ")) exited \(result.status): \(text)")
        }
        return text
    }
}

/// Bounded waits on a condition: tests never sleep a fixed time.
func eventually(within timeout: Duration = .seconds(10), _ condition: () throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try condition() { return true }
        if ContinuousClock.now >= deadline { return false }
        try? await Task.sleep(for: .milliseconds(10))
    }
}
