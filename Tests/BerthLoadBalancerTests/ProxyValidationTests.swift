import BerthTesting
import Foundation
import Testing
@testable import BerthLoadBalancer

/// Runs the real proxies' config parsers on rendered files (skipped when they are not
/// installed, failing under CI=true).
@Suite struct ProxyValidationTests {
    static let scenarios: [[WatchedService]] = [
        [Fixtures.service("web", [Fixtures.target("c1", ip: "10.88.1.5"), Fixtures.target("c2", ip: "fd00::6", hostPort: nil)])],
        [Fixtures.service("web", [Fixtures.target("c1", hostPort: 31001)], algorithm: .leastConn)],
        [Fixtures.service("web", [Fixtures.target("c1", ip: "10.88.1.5"), Fixtures.target("c2", ip: "10.88.1.6")], algorithm: .random)],
        [Fixtures.service("web", [Fixtures.target("c1", ip: "10.88.1.5"), Fixtures.target("c2", ip: "10.88.1.6")], algorithm: .sourceHash)],
        [Fixtures.service("web", [], algorithm: .sourceHash)],
        [Fixtures.service("web", [], algorithm: .random)],
        [Fixtures.service("web", [])],
        [Fixtures.missing("ghost")],
        [Fixtures.service("web", [Fixtures.target("w1", ip: "10.88.1.5")]),
         Fixtures.service("api", [Fixtures.target("a1", ip: "10.88.2.5")], algorithm: .leastConn),
         Fixtures.service("admin", []), Fixtures.missing("ghost")],
    ]

    @Test(.requires("nginx"), arguments: scenarios)
    func nginxAcceptsTheRenderedFile(_ services: [WatchedService]) async throws {
        let nginx = try Tools.require("nginx")
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try NginxRenderer(listen: "127.0.0.1:8081").render(services).write(toFile: "\(dir)/berth.conf", atomically: true, encoding: .utf8)
        try NginxTestConfig.mainConfig(including: "\(dir)/berth.conf", directory: dir)
            .write(toFile: "\(dir)/nginx.conf", atomically: true, encoding: .utf8)
        let result = await HookRunner.run(nginx, ["-t", "-c", "\(dir)/nginx.conf", "-p", "\(dir)/"])
        #expect(result.succeeded, "\(result.output)")
    }

    @Test(.requires("haproxy"), arguments: scenarios)
    func haproxyAcceptsTheRenderedFile(_ services: [WatchedService]) async throws {
        let haproxy = try Tools.require("haproxy")
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try HAProxyRenderer(listen: "127.0.0.1:8081").render(services).write(toFile: "\(dir)/berth.cfg", atomically: true, encoding: .utf8)
        let result = await HookRunner.run(haproxy, ["-c", "-f", "\(dir)/berth.cfg"])
        #expect(result.succeeded, "\(result.output)")
        #expect(!result.output.contains("WARNING"), "\(result.output)")
    }
}
