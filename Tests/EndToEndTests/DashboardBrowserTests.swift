import BerthTesting
import Foundation
import Testing

/// The dashboard in headless Chromium, driven by Selenium (`Fixtures/dashboard_browser.py`),
/// against the built `berth serve` with tokens on: sign in, the overview counts the seeded
/// nodes, a service created through the API appears without a reload, the CSP header is there,
/// no console error, no request to another origin. The screenshot of the overview is kept in
/// `.build/test-output/dashboard/` for a person to look at.
@Suite(.heavy, .serialized) struct DashboardBrowserTests {
    static let script = BerthBinary.repositoryRoot.appendingPathComponent("Tests/EndToEndTests/Fixtures/dashboard_browser.py")
    static let output = BerthBinary.repositoryRoot.appendingPathComponent(".build/test-output/dashboard")

    @Test(.requires("chromium", "chromedriver")) func theOverviewFollowsTheClusterInABrowser() async throws {
        let python = BerthBinary.repositoryRoot.appendingPathComponent(".build/test-python/bin/python").path
        var usable = Tools.find(python) != nil
        if usable { usable = (try? await ChildProcess.run(python, ["-c", "import selenium"], timeout: .seconds(30)))?.status == 0 }
        if !usable {
            // scripts/test installs selenium (scripts/test-requirements.txt) into this venv.
            _ = try Tools.require("selenium in .build/test-python (run scripts/test)")
        }
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let server = try await ServerProcess(database: folder.appendingPathComponent("berth.db").path)
        defer { server.child.terminate() }
        let token = try #require(server.token, "berth serve wrote an admin token")
        try? FileManager.default.removeItem(at: Self.output)
        let child = try ChildProcess(
            python, [Self.script.path, server.url.absoluteString, token, Self.output.path], log: folder.appendingPathComponent("browser.log")
        )
        defer { child.terminate() }
        let status = await child.wait(timeout: .seconds(300))
        let steps = child.output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let failure = steps.first { $0["step"] as? String == "failed" }?["message"] as? String
        #expect(status == 0, "the browser test failed: \(failure ?? String((child.output + child.errors).suffix(3000)))")
        #expect(steps.contains { $0["step"] as? String == "passed" })
        #expect(FileManager.default.fileExists(atPath: Self.output.appendingPathComponent("overview.png").path), "the screenshot was written")
        if let seen = steps.first(where: { $0["step"] as? String == "service appeared" })?["seconds"] {
            print("dashboard: a new service was visible in the open page after \(seen) s")
        }
    }
}
