import ArgumentParser
import Foundation

/// `berth-bench`: Berth's API benchmarks, run against the release `berth` binary as a child process.
@main
struct BerthBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "berth-bench",
        abstract: "Benchmark Berth's API: reads and durable writes against etcd, long-poll fan-out, online backup.",
        discussion: "Build first with `swift build -c release`; needs wrk (installed with apt-get when missing) and python3.",
        subcommands: [APICommand.self, WatchersCommand.self, BackupCommand.self, ScheduleCommand.self, TargetsCommand.self, ListsCommand.self, DataplaneCommand.self, DNSCommand.self, ServicesCommand.self, AllCommand.self]
    )
}

/// Options every subcommand shares: where the binaries and scripts are, and how often to repeat.
struct CommonOptions: ParsableArguments {
    @Option(help: "The berth binary to run (default: the one next to berth-bench).")
    var berth: String?

    @Option(help: "The folder holding berth-put.lua, berth-get.lua and longpoll.py (default: the repository's bench/).")
    var benchDir: String?

    @Option(help: "How many runs of each measurement; the medians are reported.")
    var runs = 3

    func validate() throws {
        guard (1...25).contains(runs) else { throw ValidationError("--runs must be from 1 to 25") }
    }

    func context() throws -> BenchContext {
        try BenchContext.resolve(berth: berth, benchDir: benchDir, runs: runs)
    }
}

/// `berth-bench api`: PUT and GET throughput and latency, with etcd's under the same load.
struct APICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api", abstract: "wrk load on PUT and GET /v1/nodes/{name}, compared with etcd under the same load."
    )

    @OptionGroup var common: CommonOptions
    @OptionGroup var options: APIOptions

    func run() async throws {
        let context = try common.context()
        defer { context.cleanUp() }
        _ = try await APIBenchmark(context: context, options: options).run()
    }
}

/// `berth-bench watchers`: how one write answers thousands of parked long-polls.
struct WatchersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watchers", abstract: "Park many long-polls on one node, then time one write answering them all."
    )

    @OptionGroup var common: CommonOptions
    @OptionGroup var options: WatchersOptions

    func run() async throws {
        let context = try common.context()
        defer { context.cleanUp() }
        _ = try await WatchersBenchmark(context: context, options: options).run()
    }
}

/// `berth-bench backup`: the online backup of a large cluster while writes go on.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Time GET /v1/backup of a large database while a write load runs."
    )

    @OptionGroup var common: CommonOptions
    @OptionGroup var options: BackupOptions

    func run() async throws {
        let context = try common.context()
        defer { context.cleanUp() }
        _ = try await BackupBenchmark(context: context, options: options).run()
    }
}

/// `berth-bench all`: api, watchers and backup in order, then their summary lines again.
struct AllCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "all", abstract: "Run api, watchers and backup in order.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var api: APIOptions
    @OptionGroup var watchers: WatchersOptions
    @OptionGroup var backup: BackupOptions

    func run() async throws {
        let context = try common.context()
        defer { context.cleanUp() }
        var summary = try await APIBenchmark(context: context, options: api).run()
        say()
        summary += try await WatchersBenchmark(context: context, options: watchers).run()
        say()
        summary += try await BackupBenchmark(context: context, options: backup).run()
        say("\n== summary")
        for line in summary { say(line) }
    }
}
