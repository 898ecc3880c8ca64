import ArgumentParser
import BerthAPI
import BerthControllers
import BerthCore
import BerthStore
import Foundation
import Logging
import ServiceLifecycle

/// `berth serve`: the control plane, on one SQLite file. Works with no flags.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the Berth server.")

    @Option(help: "The SQLite database file holding the cluster state.")
    var db = "./berth.db"

    @Option(help: "Address and port to listen on (port 0 picks a free one).")
    var listen = "127.0.0.1:7480"

    @Option(help: "The default network: nodes take /24 subnets from it, containers their IPs.")
    var clusterCidr = "10.88.0.0/16"

    @Option(help: "The service network, from which services take virtual IPs.")
    var serviceCidr = "10.96.0.0/16"

    @Option(help: "How many recent change indexes the event feed keeps.")
    var eventRetention: UInt64 = 100_000

    @Option(help: "A node silent for this long is marked down and its containers replaced (e.g. 15s).")
    var nodeTimeout = "15s"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func validate() throws {
        _ = try ListenAddress(listen)
        for (flag, value) in [("--cluster-cidr", clusterCidr), ("--service-cidr", serviceCidr)] {
            do { _ = try NetworkSpec(subnet: value).validate() } catch {
                throw ValidationError("\(flag): \(error.message)")
            }
        }
        guard eventRetention >= 100 else { throw ValidationError("--event-retention must be at least 100") }
        guard let timeout = DurationText.parse(nodeTimeout), timeout >= .seconds(1) else {
            throw ValidationError("--node-timeout must be a duration of at least 1s, like 15s")
        }
    }

    func run() async throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
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
        let networks = try await store.write { [clusterCidr, serviceCidr] tx in
            try NetworkRepository.ensureBuiltIn(tx, clusterCIDR: clusterCidr, serviceCIDR: serviceCidr)
        }
        for (network, flag) in zip(networks, [clusterCidr, serviceCidr]) where network.subnet != flag {
            logger.warning("network \(network.name) keeps its stored subnet \(network.subnet); the flag's \(flag) is ignored")
        }
        let app = APIServer.makeApplication(store: store, host: address.host, port: address.port, logger: logger) { port in
            // One line on stdout, flushed at once: scripts and tests read the port from it.
            FileHandle.standardOutput.write(Data("berth listening on http://\(address.host):\(port) (database \(db))\n".utf8))
        }
        var loopOptions = Controllers.Options()
        let timeout = DurationText.parse(nodeTimeout)!
        loopOptions.nodeTimeout = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        let loops = Controllers.loops(store: store, options: loopOptions, logger: logger)
        // Started in order, stopped in reverse: parked long-polls are released first, then the
        // HTTP server drains, then the loops finish their pass.
        let group = ServiceGroup(
            configuration: .init(
                services: loops.map { .init(service: $0) } + [.init(service: app), .init(service: WatchReleaseService(store: store))],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
        try store.close()
        logger.info("database closed; bye")
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// `host:port`, as given to `--listen`.
struct ListenAddress {
    var host: String
    var port: Int

    init(_ text: String) throws {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ValidationError("--listen must be HOST:PORT, like 127.0.0.1:7480")
        }
        host = String(text[..<colon])
        self.port = port
        guard !host.isEmpty else { throw ValidationError("--listen must be HOST:PORT, like 127.0.0.1:7480") }
    }
}
