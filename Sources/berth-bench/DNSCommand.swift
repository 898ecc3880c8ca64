import ArgumentParser
import Foundation

/// `berth-bench dns`: see `DNSBenchmark`.
struct DNSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dns",
        abstract: "dnsperf against Berth's DNS (10,000 services, 100,000 containers) and unbound with the same names; freshness; RSS.",
        discussion: "Needs dnsperf and unbound (Debian; installed with apt-get when missing and running as root)."
    )

    @OptionGroup var common: CommonOptions
    @Option(help: "Nodes.") var nodes = 1000
    @Option(help: "Services.") var services = 10_000
    @Option(help: "Running replicas per service.") var replicas = 10
    @Option(help: "Seconds per dnsperf run.") var seconds = 10
    @Option(help: "Threads of Berth's DNS server and of unbound (default: one per core).") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "dnsperf -c: clients (sockets).") var clients = 4
    @Option(help: "dnsperf -T: its threads.") var dnsperfThreads = 1
    @Option(help: "dnsperf -q: queries outstanding.") var outstanding = 100
    @Option(help: "Status changes for the freshness measurement.") var rounds = 200
    @Option(help: "Lines in the dnsperf query file.") var queries = 100_000
    @Flag(help: "Skip unbound.") var noUnbound = false
    @Flag(help: "Also measure through the node's DNS forwarder (in this process) to the same server.") var forwarder = false
    @Option(help: "Build the database here, or reuse it if it exists (building 100,000 replicas takes minutes).") var database: String?

    func run() async throws {
        let context = try common.context()
        defer { context.cleanUp() }
        var options = DNSBenchmark.Options()
        options.nodes = nodes
        options.services = services
        options.replicas = replicas
        options.seconds = seconds
        options.threads = threads
        options.clients = clients
        options.dnsperfThreads = dnsperfThreads
        options.outstanding = outstanding
        options.rounds = rounds
        options.queries = queries
        options.unbound = !noUnbound
        options.forwarder = forwarder
        options.database = database.map(BenchContext.absolute)
        _ = try await DNSBenchmark(context: context, options: options).run()
    }
}
