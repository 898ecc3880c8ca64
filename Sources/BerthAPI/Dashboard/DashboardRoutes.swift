import Hummingbird
import NIOCore

/// `/ui`: the web dashboard's files (HTML, CSS and JavaScript modules from `ui/`, carried in
/// the binary by `scripts/embed-resources`). They hold no data, so they are served without a
/// token; every data call the page makes sends one. `DashboardHeaders` adds the security
/// headers to every answer under `/ui`, errors included (the request gate does that).
struct DashboardRoutes<Context: RequestContext> {
    func register(on router: Router<Context>) {
        router.get("/ui") { _, _ in try DashboardFiles.response(for: "index.html") }
        router.get("/ui/:file") { _, context in
            try DashboardFiles.response(for: context.parameters.get("file") ?? "")
        }
    }
}

/// The embedded files, each encoded once with its content type.
enum DashboardFiles {
    struct File: Sendable {
        var contentType: String
        var body: ByteBuffer
    }

    static let files: [String: File] = embeddedDashboardFiles.reduce(into: [:]) { files, entry in
        guard let type = contentType(of: entry.key) else { return }
        files[entry.key] = File(contentType: type, body: ByteBuffer(string: entry.value))
    }

    /// The content type by extension; nil for a file the dashboard does not serve.
    static func contentType(of name: String) -> String? {
        switch name.split(separator: ".").last {
        case "html": "text/html; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "svg": "image/svg+xml"
        default: nil
        }
    }

    static func response(for name: String) throws -> Response {
        guard let file = files[name] else {
            throw APIError(status: .notFound, code: "not_found", message: "the dashboard has no file \"\(name.prefix(100))\"")
        }
        return Response(status: .ok, headers: [.contentType: file.contentType], body: .init(byteBuffer: file.body))
    }
}
