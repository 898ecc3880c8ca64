import BerthCore
import BerthDNSWire
import Logging

/// The node's DNS forwarder on its own, outside an agent, for `berth-bench dns --forwarder`: it
/// listens on `listen` (any free port), in the calling process's namespace, and forwards the
/// zone to `server`. The same code and limits as on a node, but the per-client bound, which a
/// benchmark client (one address asking with hundreds of queries outstanding) would hit.
public final class StandaloneDNSForwarder: Sendable {
    private let running: NodeDNSForwarder.Running

    /// The port bound, UDP and TCP.
    public var port: Int { running.port }

    private init(running: NodeDNSForwarder.Running) { self.running = running }

    public static func start(
        listen: String = "127.0.0.1", zone: String = "berth.", server: String, serverPort: Int, maxOutstandingPerClient: Int
    ) async throws -> StandaloneDNSForwarder {
        guard let listenAddress = IPv4Address(listen), let serverAddress = IPv4Address(server) else {
            throw DriverError("the forwarder needs IPv4 addresses, got \(listen) and \(server)")
        }
        var configuration = NodeDNSForwarder.Configuration(
            listen: listenAddress, listenPort: 0, namespace: nil, zone: try DNSName(zone),
            server: (serverAddress, UInt16(serverPort)), upstreams: []
        )
        configuration.maxOutstandingPerClient = maxOutstandingPerClient
        let forwarder = NodeDNSForwarder(configuration: configuration, logger: Logger(label: "berth.dns-forwarder"))
        return StandaloneDNSForwarder(running: try await forwarder.start())
    }

    public func close() async { await running.close() }
}
