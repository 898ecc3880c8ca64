import HTTPTypes
import Hummingbird

/// The headers every answer under `/ui` carries, errors included: a strict
/// `Content-Security-Policy` (only this origin's scripts, styles, images and connections; no
/// inline script or style, no plugins, no framing), `X-Content-Type-Options: nosniff` (a file
/// is only ever what its content type says), no referrer, and no caching beyond revalidation
/// (the files change with the binary).
enum DashboardHeaders {
    static let contentSecurityPolicy = [
        "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self'", "connect-src 'self'",
        "font-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
    ].joined(separator: "; ")

    /// Whether `path` is the dashboard's: `/ui` or anything under `/ui/`.
    static func covers(_ path: String) -> Bool {
        path == "/ui" || path.hasPrefix("/ui/")
    }

    static func apply(to response: inout Response) {
        response.headers[.contentSecurityPolicy] = contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "no-referrer"
        response.headers[.xFrameOptions] = "DENY"
        response.headers[.crossOriginOpenerPolicy] = "same-origin"
        response.headers[.cacheControl] = "no-cache"
    }
}

extension HTTPField.Name {
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
    static let crossOriginOpenerPolicy = HTTPField.Name("Cross-Origin-Opener-Policy")!
}
