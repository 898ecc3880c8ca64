import BerthClient
import Foundation
import Testing

/// Polls `condition` until it holds or `timeout` passes (bounded; for tests over live loops).
func eventually(
    _ what: String, timeout: Duration = .seconds(10), every: Duration = .milliseconds(50),
    sourceLocation: SourceLocation = #_sourceLocation, _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: every)
    }
    Issue.record("timed out waiting until \(what)", sourceLocation: sourceLocation)
}

extension SpecCheckedClient {
    /// The containers of a service (or all), as dictionaries.
    func containers(_ query: String = "") async throws -> [[String: Any]] {
        json(try await get("/v1/containers\(query.isEmpty ? "" : "?" + query)"))["items"] as? [[String: Any]] ?? []
    }

    /// Reports every scheduled container of a service running and healthy, as an agent would.
    func runAll(service: String) async throws {
        for container in try await containers("service=\(service)") where ["scheduled", "starting"].contains(container["state"] as? String) {
            if container["desiredState"] as? String == "running" {
                _ = try await put("/v1/containers/\(container["id"] as! String)/status", #"{"state":"running","healthy":true}"#)
            }
        }
    }

    /// Heartbeats a node every 200 ms (bounded) until the task is cancelled, as its agent would.
    func keepBeating(_ node: String) -> Task<Void, Never> {
        Task {
            for _ in 0..<200 where !Task.isCancelled {
                _ = try? await client.send("POST", "/v1/nodes/\(node)/heartbeat")
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    func registerNode(_ name: String, zone: String, extraLabels: String = "", cpu: Int = 4000, memory: Int = 8192) async throws {
        let labels = #""zone":"\#(zone)""# + (extraLabels.isEmpty ? "" : "," + extraLabels)
        let reply = try await put("/v1/nodes/\(name)", #"{"address":"127.0.0.1","labels":{\#(labels)},"capacity":{"cpu":\#(cpu),"memory":\#(memory)}}"#)
        #expect(reply.status == 201 || reply.status == 200)
    }
}
