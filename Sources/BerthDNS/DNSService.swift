import BerthDNSWire
import BerthStore
import Logging
import ServiceLifecycle

/// Berth's DNS server as `berth serve` runs it: the zone loaded from the store, kept current by
/// the change hub, answered over UDP and TCP. `start` loads and binds (so the port is known
/// and every name answers before the first query); `run` follows the store until graceful
/// shutdown, then closes the sockets. The cluster's nodes are exempt from the rate limit.
public final class DNSService: Service, Sendable {
    public struct Options: Sendable {
        /// The zone's apex (`--dns-domain`).
        public var domain = "berth."
        /// Every answer's TTL in seconds (`--dns-ttl`).
        public var ttl: UInt32 = 5
        public var server = DNSServer.Options()

        public init() {}
    }

    public let server: DNSServer
    public let updater: DNSZoneUpdater
    public let responder: DNSResponder

    private init(server: DNSServer, updater: DNSZoneUpdater, responder: DNSResponder) {
        self.server = server
        self.updater = updater
        self.responder = responder
    }

    /// Loads the zone from `store` and binds `options.server.host:port`.
    public static func start(store: Store, options: Options, metrics: DNSMetrics = DNSMetrics(), logger: Logger) async throws -> DNSService {
        let address = DNSIPv4Address(text: options.server.host).flatMap { $0.rawValue == 0 ? nil : $0 }
        let config = try DNSZoneConfig(domain: options.domain, ttl: options.ttl, nameserverAddress: address)
        let zone = DNSZone(config: config)
        let table = DNSAnswerTable(soa: config.soa(serial: 0))
        let updater = DNSZoneUpdater(store: store, zone: zone, table: table, logger: logger)
        try updater.load()
        let responder = DNSResponder(zone: zone, table: table, metrics: metrics)
        var serverOptions = options.server
        let exempt = serverOptions.rateLimit.exempt
        serverOptions.rateLimit.exempt = { exempt($0) || updater.isNodeAddress($0) }
        let server = try await DNSServer.bind(responder: responder, options: serverOptions)
        logger.info("dns listening", metadata: [
            "address": "\(options.server.host):\(server.port)", "domain": "\(config.domain)", "threads": "\(options.server.threads)",
        ])
        return DNSService(server: server, updater: updater, responder: responder)
    }

    public var port: Int { server.port }

    public func run() async throws {
        updater.start()
        try? await gracefulShutdown()
        updater.stop()
        await server.close()
    }
}
