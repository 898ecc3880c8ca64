import BerthClient
import BerthCore
import Foundation

/// One answer about one service's targets, with the change index it was read at.
public struct TargetsAnswer: Sendable, Hashable {
    /// Nil when the service does not exist (404).
    public var targets: ServiceTargets?
    /// The `X-Berth-Index` of the answer (0 when the server sent none).
    public var index: UInt64

    public init(targets: ServiceTargets?, index: UInt64) {
        self.targets = targets
        self.index = index
    }
}

/// Where the follower reads targets from. A protocol so tests can script answers and the
/// follower's loop can run without a server or sleeps.
public protocol TargetsSource: Sendable {
    /// Answers at once when `index` is 0; otherwise may block until the targets change after
    /// `index` or the source's wait runs out.
    func fetch(service: String, after index: UInt64) async throws -> TargetsAnswer
}

/// Reads targets from a Berth server with blocking queries:
/// `GET /v1/services/NAME/targets?index=N&wait=60s`.
public struct ClientTargetsSource: TargetsSource {
    public var client: BerthClient
    /// The longest the server may hold one request (sent in the API's duration syntax).
    public var wait: Duration

    public init(client: BerthClient, wait: Duration = .seconds(60)) {
        self.client = client
        self.wait = wait
    }

    public func fetch(service: String, after index: UInt64) async throws -> TargetsAnswer {
        var path = "/v1/services/\(service)/targets"
        if index > 0 { path += "?index=\(index)&wait=\(DurationText.format(wait))" }
        let reply: BerthClient.Reply
        do {
            reply = try await client.get(path)
        } catch ClientError.unreachable(let server, let detail) {
            throw TargetsSourceError.unreachable(server: server, detail: detail)
        }
        switch reply.status {
        case 200: return TargetsAnswer(targets: try reply.decode(ServiceTargets.self), index: reply.index ?? 0)
        case 404: return TargetsAnswer(targets: nil, index: reply.index ?? 0)
        default:
            _ = try client.expectOK(reply)
            throw ClientError.server(status: reply.status, message: reply.text)
        }
    }
}

/// A failure to reach the server at all, in one readable line for logs and `--once`.
public enum TargetsSourceError: Error, CustomStringConvertible {
    case unreachable(server: String, detail: String)

    public var description: String {
        switch self {
        case .unreachable(let server, let detail): "cannot reach \(server): \(detail)"
        }
    }
}
