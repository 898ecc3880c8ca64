import BerthTesting
import Foundation
import Logging
import Testing
@testable import BerthLoadBalancer

/// Checks and reloads run through `/bin/sh -c`, as `berth lb` runs them.
@Suite(.requires("sh")) struct ReloaderTests {
    /// A reload command that appends a line per run, so the test can count reloads.
    func reloader(_ dir: String, check: ConfigCheck = .none) -> Reloader {
        Reloader(
            writer: ConfigWriter(path: "\(dir)/berth.conf"), check: check,
            reload: "echo \"$BERTH_LB_FILE\" >> '\(dir)/reloads'", logger: Logger(label: "test")
        )
    }

    func reloads(_ dir: String) -> [String] {
        (try? String(contentsOfFile: "\(dir)/reloads", encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
    }

    @Test func reloadsOnlyWhenTheTextChanged() async throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let reloader = reloader(dir)

        #expect(await reloader.apply("a\n") == .applied(reloaded: true))
        #expect(await reloader.apply("a\n") == .unchanged)
        #expect(await reloader.apply("b\n") == .applied(reloaded: true))
        #expect(reloads(dir) == ["\(dir)/berth.conf", "\(dir)/berth.conf"])
    }

    @Test func failedShellCheckRestoresThePreviousFileAndSkipsTheReload() async throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(await reloader(dir).apply("good\n") == .applied(reloaded: true))

        // The check sees the new file in place (as `nginx -t` on the main config would) and fails.
        let failing = reloader(dir, check: .shell("grep -q good \"$BERTH_LB_FILE\" || { echo 'bad directive' >&2; exit 1; }"))
        let outcome = await failing.apply("bad\n")
        #expect(outcome == .rejected("bad directive"))
        #expect(ConfigWriter(path: "\(dir)/berth.conf").read() == "good\n")
        #expect(reloads(dir).count == 1)
    }

    @Test func failedCheckOfAFirstConfigLeavesNoFile() async throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(await reloader(dir, check: .shell("false")).apply("bad\n") == .rejected(""))
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/berth.conf"))
    }

    @Test func failedReloadIsReported() async throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var reloader = reloader(dir)
        reloader.reload = "echo nginx is not running; exit 3"
        #expect(await reloader.apply("a\n") == .failed("reload exited 3: nginx is not running"))
    }

    @Test(.requires("nginx"))
    func builtInNginxCheckRejectsABrokenConfigBeforeWriting() async throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let checked = reloader(dir, check: .nginxFragment(nginx: try Tools.require("nginx")))
        let good = NginxRenderer(listen: "127.0.0.1:8081").render([Fixtures.service("web", [Fixtures.target("c1", ip: "10.88.1.5")])])
        #expect(await checked.apply(good) == .applied(reloaded: true))

        let outcome = await checked.apply("upstream broken {\n")
        guard case .rejected(let why) = outcome else {
            Issue.record("expected a rejection, got \(outcome)")
            return
        }
        #expect(why.contains("unexpected end of file"))
        #expect(ConfigWriter(path: "\(dir)/berth.conf").read() == good)
        #expect(reloads(dir).count == 1)
    }

    @Test(.requires("haproxy"))
    func builtInHAProxyCheckRejectsABrokenConfig() async throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let checked = reloader(dir, check: .haproxy(haproxy: try Tools.require("haproxy")))
        let good = HAProxyRenderer(listen: "127.0.0.1:8081").render([Fixtures.service("web", [Fixtures.target("c1", ip: "10.88.1.5")])])
        #expect(await checked.apply(good) == .applied(reloaded: true))
        guard case .rejected = await checked.apply(good + "backend broken\n    balance nonsense\n") else {
            Issue.record("expected a rejection")
            return
        }
        #expect(ConfigWriter(path: "\(dir)/berth.conf").read() == good)
    }

    @Test func hookRunnerCapturesOutputAndStatus() async {
        let result = await HookRunner.shell("echo out; echo err >&2; exit 4")
        #expect(result.status == 4)
        #expect(result.output.contains("out") && result.output.contains("err"))
        let missing = await HookRunner.run("/nonexistent/berth-binary", [])
        #expect(missing.status == -1)
    }

    @Test func hookRunnerStopsACommandThatHangs() async {
        let result = await HookRunner.shell("sleep 30", timeout: .milliseconds(200))
        #expect(!result.succeeded)
        #expect(result.output.contains("time limit"))
    }
}
