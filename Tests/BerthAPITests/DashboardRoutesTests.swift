@testable import BerthAPI
import BerthClient
import Foundation
import Testing

/// `/ui`: the dashboard's files, served without a token, each with the strict security headers,
/// and exactly the files of `ui/` in the repository.
@Suite struct DashboardRoutesTests {
    static let folder = OpenAPIDocument.repositoryRoot.appendingPathComponent("ui")

    func expectDashboardHeaders(_ reply: BerthClient.Reply, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let policy = reply.headers["content-security-policy"] ?? ""
        #expect(policy.contains("default-src 'self'"), "\(what): CSP \(policy)", sourceLocation: sourceLocation)
        #expect(policy.contains("frame-ancestors 'none'"), "\(what): CSP \(policy)", sourceLocation: sourceLocation)
        #expect(policy.contains("script-src 'self'") && policy.contains("style-src 'self'"), "\(what): CSP \(policy)", sourceLocation: sourceLocation)
        #expect(!policy.contains("unsafe"), "\(what): no inline script or style: \(policy)", sourceLocation: sourceLocation)
        #expect(reply.headers["x-content-type-options"] == "nosniff", "\(what)", sourceLocation: sourceLocation)
    }

    @Test func filesAreServedWithoutATokenWithTheirTypesAndHeaders() async throws {
        try await LiveServer.with(auth: true) { server in
            let anonymous = SpecCheckedClient(client: server.client.client.withToken(nil))
            for (path, type) in [
                ("/ui", "text/html; charset=utf-8"), ("/ui/index.html", "text/html; charset=utf-8"),
                ("/ui/app.js", "text/javascript; charset=utf-8"), ("/ui/style.css", "text/css; charset=utf-8"),
                ("/ui/icon.svg", "image/svg+xml"),
            ] {
                let reply = try await anonymous.get(path)
                #expect(reply.status == 200, "\(path): \(reply.status) \(reply.text.prefix(200))")
                #expect(reply.headers["content-type"] == type, "\(path)")
                expectDashboardHeaders(reply, path)
            }
            #expect(try await anonymous.get("/ui").text == embeddedDashboardFiles["index.html"])
            // Data still needs a token.
            #expect(try await anonymous.get("/v1/nodes").status == 401)
        }
    }

    @Test func unknownFilesAre404sWithTheHeadersWithOrWithoutAToken() async throws {
        try await LiveServer.with(auth: true) { server in
            let anonymous = server.client.client.withToken(nil)
            for path in ["/ui/nothing.js", "/ui/index.php", "/ui/a/b.js", "/ui/ui/app.js"] {
                for client in [anonymous, server.client.client] {
                    let reply = try await client.get(path)
                    #expect(reply.status == 404, "\(path): \(reply.status)")
                    #expect(errorCode(reply) == "not_found", "\(path): \(reply.text)")
                    expectDashboardHeaders(reply, path)
                }
            }
            let post = try await anonymous.send("POST", "/ui")
            #expect(post.status == 405, "another method is a 405, not a 401: \(post.status)")
            expectDashboardHeaders(post, "POST /ui")
            // Only /ui itself and what is under /ui/ is the dashboard's.
            #expect(try await anonymous.get("/uix").status == 401)
            #expect(try await anonymous.get("/v1/nodes").headers["content-security-policy"] == nil)
        }
    }

    /// The binary carries `ui/` as it is (run scripts/embed-resources after editing it).
    @Test func embeddedFilesAreTheRepositoryFiles() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).sorted()
        #expect(names == embeddedDashboardFiles.keys.sorted(), "run scripts/embed-resources")
        for name in names {
            let text = try String(contentsOf: Self.folder.appendingPathComponent(name), encoding: .utf8)
            let same = text == embeddedDashboardFiles[name]
            #expect(same, "ui/\(name) differs from the embedded copy: run scripts/embed-resources")
            #expect(DashboardFiles.contentType(of: name) != nil, "ui/\(name) has a type the server serves")
        }
    }

    /// What the page loads is all there, from this origin, and nothing is inline (the CSP would
    /// refuse it): every module a module imports, every /ui/ file the page names.
    @Test func thePageLoadsOnlyItsOwnFilesAndNothingInline() throws {
        let page = try #require(embeddedDashboardFiles["index.html"])
        let named = matches(##"(?:src|href)="([^"#]+)""##, in: page)
        #expect(!named.isEmpty)
        for reference in named {
            #expect(reference.hasPrefix("/ui/"), "index.html loads \(reference): only /ui/ files")
            #expect(embeddedDashboardFiles[String(reference.dropFirst(4))] != nil, "index.html loads \(reference), which is not embedded")
        }
        #expect(!page.contains("style="), "no inline style attribute")
        #expect(!page.contains("<style"), "no inline style element")
        #expect(matches(#"<script(?![^>]*\ssrc=)[^>]*>"#, in: page).isEmpty && !page.contains("<script>"), "no inline script")
        #expect(matches(#"\son[a-z]+\s*="#, in: page).isEmpty, "no inline event handler")
        for (name, text) in embeddedDashboardFiles where name.hasSuffix(".js") {
            for module in matches(#"from\s+"([^"]+)""#, in: text) {
                #expect(module.hasPrefix("./"), "\(name) imports \(module): only its siblings")
                #expect(embeddedDashboardFiles[String(module.dropFirst(2))] != nil, "\(name) imports \(module), which is not embedded")
            }
            #expect(!text.contains("http://") && !text.contains("https://"), "\(name) names another origin")
            #expect(!text.contains("innerHTML") && !text.contains("eval("), "\(name) builds no markup or code from text")
        }
    }

    private func matches(_ pattern: String, in text: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: pattern)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { match in
            let range = match.numberOfRanges > 1 ? match.range(at: 1) : match.range
            return String(text[Range(range, in: text)!])
        }
    }
}
