import ArgumentParser
import BerthAPI
#if os(Linux)
import CMalloc
#endif
import BerthControllers
import BerthCore
import BerthDNS
import BerthStore
import Foundation
import Logging
import Metrics
import NIOSSL
import Prometheus
import ServiceLifecycle

/// `berth serve`: the control plane, on one SQLite file. Works with no flags.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the Berth server.")

    enum AuthMode: String, ExpressibleByArgument, CaseIterable {
        case token
        case none
    }

    @Option(help: "The SQLite database file holding the cluster state.")
    var db = "./berth.db"

    @Option(help: "Address and port to listen on (port 0 picks a free one).")
    var listen = "127.0.0.1:7480"

    @Option(help: "The default network: nodes take /24 subnets from it, containers their IPs.")
    var clusterCidr = "10.88.0.0/16"

    @Option(help: "The service network, from which services take virtual IPs.")
    var serviceCidr = "10.96.0.0/16"

    @Option(
        help: ArgumentHelp(
            "How agents connect the default network's node subnets when it is created: vxlan (VNI 1; default) or host-gw (nodes share a link).",
            valueName: "backend"
        ),
        completion: .list(NetworkBackend.allCases.map(\.rawValue))
    )
    var networkBackend: String?

    @Option(help: "How many recent change indexes the event feed keeps.")
    var eventRetention: UInt64 = 100_000

    @Option(help: "A node silent for this long is marked down and its containers replaced (e.g. 15s).")
    var nodeTimeout = DurationFlag(.seconds(15))

    @Option(help: "token: every call but /healthz needs a bearer token (the first start writes an admin token next to the database); none: no checks.")
    var auth: AuthMode = .token

    @Flag(help: "Allow --auth none on an address other than loopback (anyone who reaches the port controls the cluster).")
    var insecureAllowRemote = false

    @Option(help: "PEM certificate chain: serve HTTPS (needs --tls-key).")
    var tlsCert: String?

    @Option(help: "PEM private key for --tls-cert.")
    var tlsKey: String?

    @Option(help: "Long-polls and event streams one client (token, else address) may hold at once; more are answered 429.")
    var maxWatchesPerClient = 1_000

    @Option(help: "Close connections idle (or trickling a request) for this long.")
    var idleTimeout = DurationFlag(.seconds(30))

    @Option(help: ArgumentHelp(
        "Also serve a read-only Consul-compatible catalog (for consul-template, Prometheus consul_sd, Traefik, Fabio) on this HOST:PORT (port 0 picks one, printed on stdout). Off by default.",
        valueName: "address"
    ))
    var consulListen: String?

    @Option(help: ArgumentHelp("Answer DNS (UDP and TCP) on this address and port (port 0 picks a free one, printed on stdout), or off.", valueName: "host:port|off"))
    var dns = "127.0.0.1:8600"

    @Option(help: "The DNS zone Berth is authoritative for: NAME.service.DOMAIN, ID.container.DOMAIN, NAME.node.DOMAIN.")
    var dnsDomain = "berth."

    @Option(help: "How long resolvers may cache a DNS answer (whole seconds, e.g. 5s; 0s: not at all).")
    var dnsTtl = DurationFlag(.seconds(5))

    @Option(help: "Threads (and UDP sockets) answering DNS (default: one per core).")
    var dnsThreads = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Close a DNS-over-TCP connection with no complete query for this long.")
    var dnsTcpIdleTimeout = DurationFlag(.seconds(10))

    @Option(help: ArgumentHelp(
        "DNS responses a second per client /24 over UDP; beyond it most are dropped and some truncated (--dns-rate-limit-slip). Loopback and the cluster's nodes are exempt. 0: no limit.",
        valueName: "n"
    ))
    var dnsRateLimit = 100

    @Option(help: ArgumentHelp(
        "Over the DNS rate limit, send one response in this many truncated (TC, no records) so a real client retries over TCP; drop the rest. 0: drop all.",
        valueName: "n"
    ))
    var dnsRateLimitSlip = 2

    @Option(help: ArgumentHelp("Simultaneous DNS-over-TCP connections one client address may hold (256 in all).", valueName: "n"))
    var dnsTcpConnectionsPerClient = 16

    @OptionGroup var logging: LogOptions

    func validate() throws {
        let address = try ListenAddress(listen)
        for (flag, value) in [("--cluster-cidr", clusterCidr), ("--service-cidr", serviceCidr)] {
            do { _ = try NetworkSpec(subnet: value).validate() } catch {
                throw ValidationError("\(flag): \(error.message)")
            }
        }
        if let networkBackend, NetworkBackend(rawValue: networkBackend) == nil {
            throw ValidationError("--network-backend must be one of \(NetworkBackend.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(networkBackend)\"")
        }
        guard eventRetention >= 100 else { throw ValidationError("--event-retention must be at least 100") }
        guard nodeTimeout.value >= .seconds(1) else {
            throw ValidationError("--node-timeout must be a duration of at least 1s, like 15s")
        }
        guard idleTimeout.value >= .seconds(1) else {
            throw ValidationError("--idle-timeout must be a duration of at least 1s, like 30s")
        }
        guard maxWatchesPerClient >= 1 else { throw ValidationError("--max-watches-per-client must be at least 1") }
        if auth == .none, !address.isLoopback, !insecureAllowRemote {
            throw ValidationError(
                "refusing to serve \(listen) without tokens: anyone who reaches it could control the cluster. "
                    + "Use --auth token (the default), listen on 127.0.0.1, or say --insecure-allow-remote"
            )
        }
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
        if dns != "off" {
            guard let address = try? ListenAddress(dns, flag: "--dns"), IPv4Address(address.host) != nil || address.host == "localhost" else {
                throw ValidationError("--dns must be an IPv4 HOST:PORT, like 127.0.0.1:8600, or off")
            }
            do { _ = try DNSZoneConfig(domain: dnsDomain) } catch {
                throw ValidationError("--dns-domain must be a domain name, like berth. or cluster.example, got \"\(dnsDomain)\"")
            }
            let ttl = dnsTtl.value
            guard ttl >= .zero, ttl <= .seconds(86_400), ttl == .seconds(ttl.components.seconds) else {
                throw ValidationError("--dns-ttl must be whole seconds from 0s to 24h, like 5s")
            }
            guard (1...64).contains(dnsThreads) else { throw ValidationError("--dns-threads must be from 1 to 64") }
            guard dnsRateLimit >= 0 else { throw ValidationError("--dns-rate-limit must be 0 (off) or more responses a second") }
            guard (0...10).contains(dnsRateLimitSlip) else { throw ValidationError("--dns-rate-limit-slip must be from 0 to 10") }
            guard dnsTcpConnectionsPerClient >= 1 else { throw ValidationError("--dns-tcp-connections-per-client must be at least 1") }
            guard dnsTcpIdleTimeout.value >= .milliseconds(100) else {
                throw ValidationError("--dns-tcp-idle-timeout must be at least 100ms, like 10s")
            }
        }
        if let consulListen {
            let consul = try ListenAddress(consulListen, flag: "--consul-listen")
            if auth == .none, !consul.isLoopback, !insecureAllowRemote {
                throw ValidationError("refusing to serve the Consul catalog on \(consulListen) without tokens; listen on 127.0.0.1 or say --insecure-allow-remote")
            }
        }
    }

    func run() async throws {
        logging.bootstrap()
        let registry = PrometheusCollectorRegistry()
        var metricsFactory = PrometheusMetricsFactory(registry: registry)
        metricsFactory.durationHistogramBuckets[DNSMetrics.durationLabel] = DNSMetrics.durationBuckets
        MetricsSystem.bootstrap(metricsFactory)
        let logger = Logger(label: "berth")
        let address = try ListenAddress(listen)
        var options = StoreOptions()
        options.eventRetention = eventRetention
        let store: Store
        do {
            store = try Store(path: db, options: options, logger: logger)
        } catch let error as BerthStoreError {
            throw CleanExit.failure("berth serve: \(error.description)")
        }
        let backend = networkBackend.flatMap(NetworkBackend.init(rawValue:)) ?? .default
        let networks = try await store.write { [clusterCidr, serviceCidr] tx in
            try NetworkRepository.ensureBuiltIn(tx, clusterCIDR: clusterCidr, serviceCIDR: serviceCidr, backend: backend)
        }
        for (network, flag) in zip(networks, [clusterCidr, serviceCidr]) where network.subnet != flag {
            logger.warning("network \(network.name) keeps its stored subnet \(network.subnet); the flag's \(flag) is ignored")
        }
        if networkBackend != nil, let network = networks.first, network.backend != backend {
            logger.warning("network \(network.name) keeps its stored backend \(network.backend.rawValue); the flag's \(backend.rawValue) is ignored (change it with PUT /v1/networks/\(network.name))")
        }

        let dnsService = try await startDNS(store: store, logger: logger)
        #if os(Linux)
        // Loading the zone read and encoded the whole cluster once; hand what that freed back
        // now (it happened on a task thread's arena, which MemoryReleaser's check does not see).
        if dnsService != nil { malloc_trim(0) }
        #endif

        var apiOptions = APIServer.Options()
        // The loops' in-memory cluster, built on their first pass and checked at /v1/state/check.
        let clusterState = ClusterState(store: store)
        apiOptions.clusterState = clusterState
        apiOptions.metrics = registry
        apiOptions.maxWatchesPerClient = maxWatchesPerClient
        apiOptions.idleTimeout = .milliseconds(idleTimeout.value.wholeMilliseconds)
        if auth == .token {
            apiOptions.authenticator = TokenAuthenticator(store: store)
            try await AdminTokenFile.ensure(store: store, databasePath: db, logger: logger)
        } else {
            logger.warning("tokens are disabled (--auth none): every client can do everything")
        }
        if let tlsCert, let tlsKey {
            apiOptions.tls = try Self.tlsConfiguration(cert: tlsCert, key: tlsKey)
        }
        let scheme = apiOptions.tls == nil ? "http" : "https"
        let app = try APIServer.makeApplication(
            store: store, host: address.host, port: address.port, options: apiOptions, logger: logger
        ) { port in
            // One line on stdout, flushed at once: scripts and tests read the port from it.
            var lines = "berth listening on \(scheme)://\(address.host):\(port) (database \(db))\n"
            if let dnsService {
                // After the HTTP line, which scripts read first, and in the same write.
                let host = dnsService.server.options.host
                lines += "berth dns on \(host):\(dnsService.port) (udp and tcp, zone \(dnsService.responder.zone.config.domain))\n"
            }
            FileHandle.standardOutput.write(Data(lines.utf8))
        }
        var consul: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let consulListen {
            let consulAddress = try ListenAddress(consulListen, flag: "--consul-listen")
            consul = [.init(service: try ConsulServer.makeApplication(
                store: store, host: consulAddress.host, port: consulAddress.port, options: apiOptions, logger: logger
            ) { port in
                FileHandle.standardOutput.write(Data("berth consul catalog listening on \(scheme)://\(consulAddress.host):\(port)\n".utf8))
            })]
        }
        var loopOptions = Controllers.Options()
        loopOptions.nodeTimeout = nodeTimeout.value
        let loops = Controllers.loops(state: clusterState, options: loopOptions, logger: logger)
        // Started in order, stopped in reverse: parked long-polls are released first, then the
        // HTTP server drains, then the loops finish their pass.
        let group = ServiceGroup(
            configuration: .init(
                services: loops.map { .init(service: $0) } + [.init(service: app)] + consul
                    + [.init(service: WatchReleaseService(store: store)), .init(service: MemoryReleaser())]
                    + (dnsService.map { [.init(service: $0)] } ?? []),
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
        try store.close()
        logger.info("database closed; bye")
    }

    /// Loads the DNS zone and binds `--dns` (nil with `--dns off`). Before the HTTP listener, so
    /// that by the time the ports are printed every name answers.
    private func startDNS(store: Store, logger: Logger) async throws -> DNSService? {
        guard dns != "off" else { return nil }
        let address = try ListenAddress(dns, flag: "--dns")
        var options = DNSService.Options()
        options.domain = dnsDomain
        options.ttl = UInt32(dnsTtl.value.components.seconds)
        options.server.host = address.host == "localhost" ? "127.0.0.1" : address.host
        options.server.port = address.port
        options.server.threads = dnsThreads
        options.server.tcpIdleTimeout = dnsTcpIdleTimeout.value
        options.server.rateLimit.responsesPerSecond = dnsRateLimit
        options.server.rateLimit.slip = dnsRateLimitSlip
        options.server.maxTCPConnectionsPerClient = dnsTcpConnectionsPerClient
        do {
            return try await DNSService.start(store: store, options: options, logger: logger)
        } catch {
            throw CleanExit.failure("berth serve: cannot serve DNS on \(dns): \(error) (use --dns HOST:PORT to pick another, or --dns off)")
        }
    }

    static func tlsConfiguration(cert: String, key: String) throws -> TLSConfiguration {
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(cert).map { NIOSSLCertificateSource.certificate($0) }
            let privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
            return TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(privateKey))
        } catch {
            throw CleanExit.failure("berth serve: cannot load --tls-cert \(cert) / --tls-key \(key): \(error)")
        }
    }
}

/// `host:port`, as given to `--listen`.
struct ListenAddress {
    var host: String
    var port: Int

    init(_ text: String, flag: String = "--listen") throws {
        let example = flag == "--listen" ? "127.0.0.1:7480" : "127.0.0.1:8500"
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ValidationError("\(flag) must be HOST:PORT, like \(example)")
        }
        host = String(text[..<colon])
        self.port = port
        guard !host.isEmpty else { throw ValidationError("\(flag) must be HOST:PORT, like \(example)") }
    }

    /// Whether only this machine can connect.
    var isLoopback: Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }
}
