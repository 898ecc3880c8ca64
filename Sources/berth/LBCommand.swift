import ArgumentParser
import BerthClient
import BerthCore
import BerthLoadBalancer
import BerthProcess
import Foundation
import Logging

/// `berth lb`: follows the targets of services into an nginx or HAProxy config file and reloads
/// the proxy when they change, so the proxy in front of a service needs no Berth-specific code.
struct LBCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lb",
        abstract: "Follow service targets into a load balancer configuration.",
        subcommands: [LBNginxCommand.self, LBHAProxyCommand.self]
    )
}

/// `berth lb nginx`: a file for nginx's `http {}` context (upstreams and one server).
struct LBNginxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nginx",
        abstract: "Write an nginx include (upstreams and a server) and keep it current.",
        discussion: """
            Include --out inside nginx's http {} block. With several services, /<service>/ goes to \
            that service (prefix stripped) and / to the first one. Unless --check is given, the \
            new file is checked with `nginx -t` in a scratch directory when nginx is installed.
            """
    )

    @OptionGroup var options: LBOptions

    func run() async throws {
        try await options.follow(renderer: NginxRenderer(listen: options.listen)) { nginx in .nginxFragment(nginx: nginx) }
    }
}

/// `berth lb haproxy`: a complete HAProxy configuration (defaults, frontend, backends).
struct LBHAProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "haproxy",
        abstract: "Write an HAProxy configuration (frontend and backends) and keep it current.",
        discussion: """
            With several services, /<service>/ goes to that service (prefix stripped) and / to the \
            first one. Unless --check is given, the new file is checked with `haproxy -c` when \
            haproxy is installed.
            """
    )

    @OptionGroup var options: LBOptions

    func run() async throws {
        let listen = options.listen.map { $0.contains(":") ? $0 : ":\($0)" }  // HAProxy binds ":PORT"
        try await options.follow(renderer: HAProxyRenderer(listen: listen)) { haproxy in .haproxy(haproxy: haproxy) }
    }
}

/// The flags both proxies share, and the follow loop they drive.
struct LBOptions: ParsableArguments {
    @Option(help: "Services to balance, comma-separated or repeated; the first one also gets /.")
    var service: [String]

    @Option(help: "Address to accept traffic on, HOST:PORT or PORT; without it only upstreams/backends are written.")
    var listen: String?

    @Option(help: "The config file to write (replaced atomically).")
    var out: String

    @Option(help: "Shell command that makes the proxy load the new file, e.g. 'nginx -s reload'.")
    var reload: String?

    @Option(help: "Shell command that validates the file once written, e.g. 'nginx -t'; on failure the previous file is restored. 'true' disables checking.")
    var check: String?

    @Option(help: "The Berth server (default: $BERTH_ADDR, else http://127.0.0.1:7480).")
    var server = ServerURLFlag.fromEnvironment

    @Flag(help: "Render and apply once, then exit.")
    var once = false

    @Option(help: "A file holding a reader token (default: $BERTH_TOKEN).")
    var tokenFile: String?

    @Option(help: "PEM CA certificates to trust for an https server (default: $BERTH_CA_FILE).")
    var caFile: String?

    @OptionGroup var logging: LogOptions

    var services: [String] {
        service.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }


    func validate() throws {
        guard !services.isEmpty else { throw ValidationError("--service needs at least one service name") }
        for name in services where !Rules.isDNSLabel(name) {
            throw ValidationError("--service: \"\(name)\" is not a service name (a DNS label like web-1)")
        }
        guard Set(services).count == services.count else { throw ValidationError("--service lists a service twice") }
        if let listen {
            let port = listen.split(separator: ":").last.flatMap { Int($0) }
            let safe = listen.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || ".-:[]*".unicodeScalars.contains($0)) }
            guard let port, (1...65535).contains(port), safe else {
                throw ValidationError("--listen must be HOST:PORT or PORT, like 127.0.0.1:8081")
            }
        }
        guard !out.isEmpty, !out.hasSuffix("/") else { throw ValidationError("--out must name a file") }
    }

    /// Runs the follower (or one pass with `--once`) for `renderer`; `builtInCheck` makes the
    /// proxy's own check from its binary's path when `--check` is not given.
    func follow(renderer: some ConfigRenderer, builtInCheck: (String) -> ConfigCheck) async throws {
        logging.bootstrap()
        let logger = Logger(label: "berth-lb")
        let configCheck: ConfigCheck
        if let check {
            configCheck = .shell(check)
        } else if let binary = ExecutableSearch.find(renderer.proxyName) {
            configCheck = builtInCheck(binary)
        } else {
            logger.notice("\(renderer.proxyName) not found; new configs are written without a check")
            configCheck = .none
        }
        let follower = TargetsFollower(
            services: services,
            renderer: renderer,
            source: ClientTargetsSource(client: BerthClient(server: server.url, token: try Credentials.token(file: tokenFile), caFile: try Credentials.caFile(caFile))),
            applier: Reloader(writer: ConfigWriter(path: out), check: configCheck, reload: reload, logger: logger),
            logger: logger
        )
        guard once else {
            logger.info("following \(services.joined(separator: ",")) on \(server) into \(out) (\(renderer.proxyName))")
            try await follower.run()
            return
        }
        let outcome: ApplyOutcome
        do {
            outcome = try await follower.runOnce()
        } catch {
            throw CleanExit.failure("berth lb: cannot read targets: \(error)")
        }
        switch outcome {
        case .unchanged, .applied: return
        case .rejected, .failed: throw ExitCode.failure
        }
    }
}
