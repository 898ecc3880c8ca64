import BerthCore
@testable import BerthNetwork

/// Services and containers for the service-rules tests: `echo` spread over three targets, and the
/// policy trio `web`, `api`, `db` (db admits only api on 5432).
enum ServiceFixtures {
    typealias R = ServiceRules

    static func ip(_ text: String) -> IPv4Address { IPv4Address(text)! }

    static let web = ip("198.19.1.11"), api = ip("198.19.1.12"), db = ip("198.19.1.13"), client = ip("198.19.1.14")

    static func echo(_ targets: [IPv4Address] = [web, api, db], algorithm: R.Algorithm = .roundRobin) -> R.Service {
        R.Service(name: "echo", vip: ip("198.19.128.10"), ports: [R.Port(port: 80, targetPort: 8080, targetIPs: targets)], algorithm: algorithm)
    }

    static func dbService(ingress: [R.IngressRule] = [R.IngressRule(from: [.service("api")], ports: [R.PolicyPort(port: 5432)])]) -> R.Service {
        R.Service(name: "db", vip: ip("198.19.128.20"), ports: [R.Port(port: 5432, targetPort: 5432, targetIPs: [db])], ingress: ingress, members: [db])
    }

    static func apiService(members: [IPv4Address] = [api]) -> R.Service {
        R.Service(name: "api", vip: ip("198.19.128.30"), ports: [R.Port(port: 80, targetPort: 8080, targetIPs: members)], members: members)
    }

    static func webService() -> R.Service {
        R.Service(name: "web", vip: ip("198.19.128.40"), ports: [R.Port(port: 80, targetPort: 8080, targetIPs: [web])], members: [web])
    }

    static let localContainers = [
        R.LocalContainer(ip: web, service: "web"), R.LocalContainer(ip: api, service: "api"),
        R.LocalContainer(ip: db, service: "db"), R.LocalContainer(ip: client, service: nil),
    ]

    static func policyInput(db: R.Service = dbService(), api: R.Service = apiService()) -> R.Input {
        R.Input(services: [webService(), api, db], localContainers: localContainers)
    }

    /// Elements of `set` in `table`, as nft text, sorted.
    static func elements(_ table: NFTTable, _ set: String) -> [String] {
        (table.sets[set]?.elements ?? []).map(\.text).sorted()
    }

    /// Rule texts of `chain` in `table`.
    static func rules(_ table: NFTTable, _ chain: String) -> [String] {
        (table.chains[chain]?.rules ?? []).compactMap(\.text)
    }

    /// The transaction as `NFTKernelModel` reads it: its rule parser splits words on spaces, so a
    /// chain named before a comma (`goto svc-slot-0,`) gets a space before the comma. nft reads
    /// both spellings alike; only the model needs it.
    static func forModel(_ transaction: NFTTransaction) -> NFTTransaction {
        NFTTransaction(commands: transaction.commands.map { command in
            guard command.hasPrefix("add rule "), let comment = command.range(of: " comment \"", options: .backwards) else { return command }
            return command[..<comment.lowerBound].replacingOccurrences(of: ", ", with: " , ") + command[comment.lowerBound...]
        })
    }
}
