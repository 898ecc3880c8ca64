import BerthCore
import Foundation

/// A decoded answer with the reply it came from: commands draw tables from `value` and print
/// `reply.body` as it is for `-o json`, so scripts see every field the server sent.
public struct Fetched<Value: Sendable>: Sendable {
    public var value: Value
    public var reply: BerthClient.Reply

    /// The `X-Berth-Index` of the answer, to pass back as `index` of the next blocking query.
    public var index: UInt64 { reply.index ?? 0 }
}

/// A page of a list, `{"items": [...], "next": TOKEN|null}` (see `BerthClient.list`, which
/// follows `next` to the end).
public struct ListReply<Item: Decodable & Sendable>: Decodable, Sendable {
    public var items: [Item]
    /// Continues the list on the next page; nil on the last.
    public var next: String?

    public init(items: [Item], next: String? = nil) {
        self.items = items
        self.next = next
    }
}

/// A blocking query's parameters: answer once something above `index` changes, or after `wait`.
public struct Watch: Sendable {
    public var index: UInt64
    public var wait: Duration

    public init(index: UInt64, wait: Duration) {
        self.index = index
        self.wait = wait
    }

    var parameters: [(String, String?)] { [("index", String(index)), ("wait", DurationText.format(wait))] }
}

extension BerthClient {
    /// GETs `path`, fails with the server's error unless 2xx, and decodes the body.
    public func fetch<Value: Decodable & Sendable>(_ type: Value.Type, _ path: String) async throws -> Fetched<Value> {
        let reply = try checked(try await get(path))
        return Fetched(value: try reply.decode(Value.self), reply: reply)
    }

    public func nodes(watch: Watch? = nil) async throws -> Fetched<ListReply<Node>> {
        try await list(Node.self, APIPath.with("/v1/nodes", watch?.parameters ?? []))
    }

    public func node(_ name: String) async throws -> Fetched<Node> {
        try await fetch(Node.self, APIPath.object("nodes", name))
    }

    public func services() async throws -> Fetched<ListReply<Service>> {
        try await list(Service.self, "/v1/services")
    }

    public func service(_ name: String, watch: Watch? = nil) async throws -> Fetched<Service> {
        try await fetch(Service.self, APIPath.with(APIPath.object("services", name), watch?.parameters ?? []))
    }

    /// Jobs; with `parent`, only the runs of that periodic job.
    public func jobs(parent: String? = nil) async throws -> Fetched<ListReply<Job>> {
        try await list(Job.self, APIPath.with("/v1/jobs", [("parent", parent)]))
    }

    public func job(_ name: String, watch: Watch? = nil) async throws -> Fetched<Job> {
        try await fetch(Job.self, APIPath.with(APIPath.object("jobs", name), watch?.parameters ?? []))
    }

    public func containers(
        service: String? = nil, node: String? = nil, state: String? = nil, job: String? = nil, watch: Watch? = nil
    ) async throws -> Fetched<ListReply<Container>> {
        let filters = [("service", service), ("node", node), ("state", state), ("job", job)] + (watch?.parameters ?? [])
        return try await list(Container.self, APIPath.with("/v1/containers", filters))
    }

    public func container(_ id: String) async throws -> Fetched<Container> {
        try await fetch(Container.self, APIPath.object("containers", id))
    }

    /// DELETEs one object and returns it as it was, failing with the server's error.
    public func delete(_ collection: String, _ name: String) async throws -> Reply {
        try checked(try await send("DELETE", APIPath.object(collection, name)))
    }
}
