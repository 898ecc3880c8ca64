import BerthCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// HTTP health checks against containers' host ports (`healthCheck: {http, interval}`).
struct HealthProber: Sendable {
    private let session: URLSession

    init() {
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = 2
        session = URLSession(configuration: config)
    }

    /// Whether `GET http://127.0.0.1:port/path` answers 2xx or 3xx within the timeout.
    func probe(port: Int, path: String, timeout: Duration) async -> Bool {
        guard let url = URL(string: "http://127.0.0.1:\(port)\(path)") else { return false }
        var request = URLRequest(url: url)
        request.timeoutInterval = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        guard let (_, response) = try? await session.data(for: request), let http = response as? HTTPURLResponse else { return false }
        return (200..<400).contains(http.statusCode)
    }
}
