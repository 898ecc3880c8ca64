import BerthClient
import Foundation
import Testing

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

    func registerNode(_ name: String, zone: String, extraLabels: String = "", cpu: Int = 4000, memory: Int = 8192) async throws {
        let labels = #""zone":"\#(zone)""# + (extraLabels.isEmpty ? "" : "," + extraLabels)
        let reply = try await put("/v1/nodes/\(name)", #"{"address":"127.0.0.1","labels":{\#(labels)},"capacity":{"cpu":\#(cpu),"memory":\#(memory)}}"#)
        #expect(reply.status == 201 || reply.status == 200)
    }
}
