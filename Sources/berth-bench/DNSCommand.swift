import ArgumentParser
import Foundation

/// `berth-bench dns`: see `DNSBenchmark`.
struct DNSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dns",
        abstract: "dnsperf against Berth's DNS (10,000 services, 100,000 containers) and unbound with the same names; freshness; RSS. --mix plain-a: service A queries only.",
        discussion: "Needs dnsperf and unbound (Debian; installed with apt-get when missing and running as root)."
    )

    @OptionGroup var common: CommonOptions
    @Option(help: "cluster: service A, SRV and container A at cluster scale (the defaults); plain-a: only service A queries (defaults 1,000 services, 1 replica, 10 nodes, dnsperf -T 2).")
    var mix: DNSMix = .cluster
    @Option(help: "Nodes (default 1,000; plain-a 10).") var nodes: Int?
    @Option(help: "Services (default 10,000; plain-a 1,000).") var services: Int?
    @Option(help: "Running replicas per service (default 10; plain-a 1).") var replicas: Int?
    @Option(help: "Seconds per dnsperf run.") var seconds = 10
    @Option(help: "Threads of Berth's DNS server and of unbound (default: one per core).") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "dnsperf -c: clients (sockets).") var clients = 4
    @Option(help: "dnsperf -T: its threads (default 1; plain-a 2).") var dnsperfThreads: Int?
    @Option(help: "dnsperf -q: queries outstanding.") var outstanding = 100
    @Option(help: "Status changes for the freshness measurement.") var rounds = 200
    @Option(help: "Lines in the dnsperf query file.") var queries = 100_000
    @Flag(help: "Skip unbound.") var noUnbound = false
    @Flag(help: "Also measure through the node's DNS forwarder (in this process) to the same server.") var forwarder = false
    @Option(help: "Build the database here, or reuse it if it exists (building 100,000 replicas takes minutes).") var database: String?

    func run() async throws {
        let context = try common.context()
        defer { context.cleanUp() }
        var options = mix == .plainA ? DNSBenchmark.Options.plainA : DNSBenchmark.Options()
        if let nodes { options.nodes = nodes }
        if let services { options.services = services }
        if let replicas { options.replicas = replicas }
        options.seconds = seconds
        options.threads = threads
        options.clients = clients
        if let dnsperfThreads { options.dnsperfThreads = dnsperfThreads }
        options.outstanding = outstanding
        options.rounds = rounds
        options.queries = queries
        options.unbound = !noUnbound
        options.forwarder = forwarder
        options.database = database.map(BenchContext.absolute)
        let benchmark = DNSBenchmark(context: context, options: options)
        if mix == .plainA { _ = try await benchmark.runPlainA() } else { _ = try await benchmark.run() }
    }
}

/// `berth-bench dns --mix`: which queries dnsperf sends.
enum DNSMix: String, ExpressibleByArgument, CaseIterable {
    case cluster
    case plainA = "plain-a"
}
