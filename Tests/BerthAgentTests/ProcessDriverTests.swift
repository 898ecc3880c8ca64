@testable import BerthAgent
import BerthCore
import BerthTesting
import Foundation
import Testing

/// The process driver with real child processes (shell scripts and sleep).
@Suite(.requires("sh", "sleep")) struct ProcessDriverTests {
    /// A container with a fresh id (a name for its files and records, not test input: nothing
    /// the test checks depends on it, so it need not be seeded).
    func container(_ command: [String], ports: [ContainerPort] = [], env: [String: String] = [:]) -> Container {
        Container(id: String(format: "%016llx", UInt64.random(in: 0...UInt64.max)), service: "web", ip: "10.88.0.2",
                  template: ContainerTemplate(image: "shell", command: command, env: env, ports: ports))
    }

    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("berth-agent-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func runsTheCommandWithItsEnvironmentAndLogs() async throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let driver = try ProcessDriver(stateDirectory: dir, node: "n1")
        let c = container(["/bin/sh", "-c", "echo id=$BERTH_CONTAINER_ID service=$BERTH_SERVICE ip=$BERTH_IP port=$PORT greeting=$GREETING; exit 3"],
                          ports: [ContainerPort(name: "http", containerPort: 8080)], env: ["GREETING": "hi"])
        let ports = try await driver.start(c, node: "n1")
        let port = try #require(ports["http"])
        #expect((1024...65535).contains(port))
        var exits: [DriverExit] = []
        try await eventually("the container exits and is reaped") {
            exits += await driver.reap()
            return !exits.isEmpty
        }
        #expect(exits == [DriverExit(id: c.id, exitCode: 3)])
        let log = try String(contentsOf: dir.appendingPathComponent("n1/logs/\(c.id).log"), encoding: .utf8)
        #expect(log.contains("id=\(c.id) service=web ip=10.88.0.2 port=\(port) greeting=hi"))
        #expect(await driver.running().isEmpty)
    }

    @Test func stopSendsTermThenKillToTheWholeGroup() async throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let driver = try ProcessDriver(stateDirectory: dir, node: "n1")
        // A shell that ignores SIGTERM and has a child: both must go. It says when its trap is
        // set (and its child's pid), so the TERM is sent only then.
        let c = container(["/bin/sh", "-c", "trap '' TERM; sleep 60 & echo \"trapped $!\"; wait"])
        _ = try await driver.start(c, node: "n1")
        let log = dir.appendingPathComponent("n1/logs/\(c.id).log")
        var sleeper: Int32?
        try await eventually("the shell has set its trap") {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            sleeper = text.split(separator: "\n").first { $0.hasPrefix("trapped ") }.flatMap { Int32($0.dropFirst("trapped ".count)) }
            return sleeper != nil
        }
        // Killed after the grace period (were TERM enough, or were nothing sent, it would end
        // otherwise: 143, or 0 after a minute).
        let code = await driver.stop(c.id, grace: .milliseconds(300))
        #expect(code == 137, "killed after the grace period")
        let child = try #require(sleeper)
        try await eventually("its child is gone too") { !Self.isAlive(child) }
        #expect(await driver.running().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("n1/containers/\(c.id).json").path))
    }

    @Test func aNewDriverAdoptsProcessesStillRunning() async throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try ProcessDriver(stateDirectory: dir, node: "n1")
        let c = container(["/bin/sleep", "30"], ports: [ContainerPort(name: "http", containerPort: 80)])
        let ports = try await first.start(c, node: "n1")
        let gone = container(["/bin/sh", "-c", "exit 0"])
        _ = try await first.start(gone, node: "n1")
        try await eventually("the short-lived container ends and is reaped") {
            await first.reap().contains { $0.id == gone.id }
        }

        let second = try ProcessDriver(stateDirectory: dir, node: "n1")
        let adopted = await second.adopt(node: "n1")
        #expect(adopted == [c.id: ports], "the live process is adopted with its ports; the ended one is not")
        let code = await second.stop(c.id, grace: .seconds(2))
        #expect(code != nil)
        #expect(await second.running().isEmpty)
    }

    @Test func aMissingProgramFailsToStartWithAReason() async throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let driver = try ProcessDriver(stateDirectory: dir, node: "n1")
        await #expect(throws: DriverError.self) {
            _ = try await driver.start(container(["/nonexistent/program"]), node: "n1")
        }
        await #expect(throws: DriverError.self) {
            _ = try await driver.start(container([]), node: "n1")
        }
    }

    /// Whether `pid` is a live process (a zombie, dead but not yet reaped, is not).
    static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")")
        else { return false }
        return !stat[stat.index(after: close)...].hasPrefix(" Z")
    }

    @Test func simulatedContainersRunAtOnce() async throws {
        let driver = SimulatedDriver()
        let c = container(["anything"], ports: [ContainerPort(name: "http", containerPort: 80)])
        let ports = try await driver.start(c, node: "n1")
        #expect(ports.keys.sorted() == ["http"])
        #expect(await driver.running()[c.id] == ports)
        #expect(await driver.stop(c.id, grace: .zero) == 0)
        #expect(await driver.running().isEmpty)
    }
}

extension DriverError: Equatable {
    public static func == (a: DriverError, b: DriverError) -> Bool { a.description == b.description }
}
