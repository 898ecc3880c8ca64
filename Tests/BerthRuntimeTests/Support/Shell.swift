import BerthNetwork
import Foundation

/// Runs a tool to set up or inspect a test (ip netns, busybox): the runtime under test never
/// goes through here.
enum Shell {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Through `CommandRunner` (posix_spawn), not Foundation's `Process`, whose `run()`
    /// crashed in a memcpy when many tests started children at once.
    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        let argv = [TestRequirements.path(of: arguments[0]) ?? arguments[0]] + arguments.dropFirst()
        let output: CommandRunner.Output
        do { output = try CommandRunner().run(argv) } catch { throw Failure(description: "\(arguments.joined(separator: " ")): \(error)") }
        let text = String(decoding: output.stdout, as: UTF8.self) + output.stderr
        guard output.status == 0 else {
            throw Failure(description: "\(arguments.joined(separator: " ")) exited \(output.status): \(text)")
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
