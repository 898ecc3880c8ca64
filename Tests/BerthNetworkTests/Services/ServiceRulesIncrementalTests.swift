import BerthCore
@testable import BerthNetwork
import BerthTesting
import Testing

/// Incremental updates: a change re-plans only its units and the transaction holds only what
/// changed; applied to the model kernel step after step it always reaches the whole table.
struct ServiceRulesIncrementalTests {
    typealias R = ServiceRules
    typealias F = ServiceFixtures

    /// One incremental step, as `ServiceProxy.update` computes it.
    static func step(_ plan: inout R.RulePlan, _ input: R.Input) throws -> NFTTransaction {
        let step = try plan.update(to: input)
        return NFTDiff.transaction(desired: step.after, observed: NFTTable(observedFrom: step.before))
    }

    static func twoEchoes(_ first: [IPv4Address]) -> R.Input {
        var other = F.echo([F.web, F.api, F.db])
        other.name = "echo2"
        other.vip = F.ip("198.19.128.11")
        return R.Input(services: [F.echo(first), other], localContainers: F.localContainers)
    }

    @Test func aTargetChangeIsTwoElementCommands() throws {
        var plan = try R.RulePlan(Self.twoEchoes([F.web, F.api, F.db]))
        let transaction = try Self.step(&plan, Self.twoEchoes([F.web, F.api, F.client]))
        #expect(transaction.commands == ["delete element ip berth-svc svc-ep-2 { 198.19.128.10 . tcp . 80 }",
                                         "add element ip berth-svc svc-ep-2 { 198.19.128.10 . tcp . 80 : 198.19.1.14 . 8080 }"])
        #expect(try Self.step(&plan, Self.twoEchoes([F.web, F.api, F.client])).isEmpty, "the same input again changes nothing")
    }

    @Test func aNewMemberOfAnAllowedServiceIsOneElement() throws {
        var api = F.apiService()
        var plan = try R.RulePlan(F.policyInput(api: api))
        api.members.append(F.ip("198.19.3.7"))
        let transaction = try Self.step(&plan, F.policyInput(api: api))
        #expect(transaction.commands == ["add element ip berth-svc \(R.Names.sourceSet("api")) { 198.19.3.7 }"])
    }

    @Test func lastTargetGoneSwapsTheVIPForAReject() throws {
        var plan = try R.RulePlan(R.Input(services: [F.echo([F.web])]))
        let transaction = try Self.step(&plan, R.Input(services: [F.echo([])]))
        #expect(transaction.commands == [
            "flush chain ip berth-svc svc-random-1", "flush chain ip berth-svc svc-slot-0",
            "delete element ip berth-svc svc-ips { 198.19.128.10 . tcp . 80 }",
            "delete map ip berth-svc svc-ep-0", "delete chain ip berth-svc svc-random-1", "delete chain ip berth-svc svc-slot-0",
            "add element ip berth-svc svc-noep { 198.19.128.10 . tcp . 80 : goto svc-reject }",
        ])
    }

    @Test func anInvalidUpdateLeavesThePlanAsItWas() throws {
        let input = F.policyInput()
        var plan = try R.RulePlan(input)
        let reference = try R.table(input)
        var collision = input  // web takes api's VIP port: same names and positions, so the fast path
        collision.services[0].vip = collision.services[1].vip
        collision.services[0].ports = collision.services[1].ports
        #expect(throws: ServiceRulesError.invalid("services[0] (web): 198.19.128.30 tcp/80 is already taken")) { try plan.update(to: collision) }
        var twice = input
        twice.localContainers.append(twice.localContainers[0])
        #expect(throws: ServiceRulesError.invalid("localContainers: 198.19.1.11 appears twice")) { try plan.update(to: twice) }
        #expect(plan.table() == reference)
        var next = input
        next.services[1].members.append(F.ip("198.19.3.7"))
        #expect(try Self.step(&plan, next).commands == ["add element ip berth-svc \(R.Names.sourceSet("api")) { 198.19.3.7 }"])
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    func randomStepsReachTheWholeTable(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let node = NodeFirewall.table(node: PlannerFixtures.node(), containers: [])
        var kernel = NFTKernelModel()
        try kernel.apply(NFTDiff.transaction(desired: node, observed: nil))
        var plan = R.RulePlan()
        var input = R.Input()
        for n in 0..<60 {
            input = n % 10 == 0 ? RandomServices.input(&rng) : RandomServices.mutate(input, &rng)
            let transaction = try Self.step(&plan, input)
            do { try kernel.apply(F.forModel(transaction)) } catch {
                Issue.record("seed \(seed) step \(n): the model refused \(error)\n\(transaction.text)")
                return
            }
            let whole = try R.table(input)
            let left = NFTDiff.transaction(desired: whole, observed: R.ownedPart(of: kernel.table))
            #expect(left.isEmpty, "seed \(seed) step \(n): still differs: \(left.commands)")
            #expect(NFTDiff.transaction(desired: node, observed: R.withoutOwnedObjects(kernel.table)).isEmpty, "seed \(seed) step \(n): the node's own rules changed")
            #expect(plan.table() == whole)
            if !left.isEmpty { return }
            // Now and then an invalid change: refused, and the plan stays where it was.
            if let broken = RandomServices.collide(input, &rng) {
                #expect(throws: ServiceRulesError.self) { try plan.update(to: broken) }
                #expect(plan.table() == whole, "seed \(seed) step \(n): a refused update changed the plan")
            }
        }
    }
}

/// Seeded, always valid inputs over small pools, so that names, addresses and VIPs recur
/// between steps and updates exercise every kind of change.
enum RandomServices {
    typealias R = ServiceRules
    static let names = ["a", "b", "c", "d", "e", "f"]
    static let containers = (10..<26).map { IPv4Address(0xc613_0100 + UInt32($0)) }
    static let cidrs = ["203.0.113.0/24", "198.18.0.0/15", "198.19.1.16/30", "0.0.0.0/0"].map { CIDR($0)! }

    static func input(_ rng: inout SplitMix64) -> R.Input {
        var vips = (1...8).map { IPv4Address(0xc613_8000 + UInt32($0)) }.shuffled(using: &rng)
        let services = names.shuffled(using: &rng).prefix(Int.random(in: 0...5, using: &rng)).map { name in
            service(name, vip: vips.removeLast(), &rng)
        }
        return R.Input(services: services, localContainers: locals(&rng))
    }

    static func service(_ name: String, vip: IPv4Address, _ rng: inout SplitMix64) -> R.Service {
        let portPool: [(UInt16, TransportProtocol)] = [(80, .tcp), (443, .tcp), (53, .udp), (53, .tcp)]
        let ports = portPool.shuffled(using: &rng).prefix(Int.random(in: 1...2, using: &rng)).map { port, proto in
            R.Port(port: port, proto: proto, targets: targets(&rng))
        }
        return R.Service(name: name, vip: vip, ports: ports, algorithm: R.Algorithm.allCases.randomElement(using: &rng)!,
                         affinityTimeout: .seconds([60, 10800].randomElement(using: &rng)!),
                         ingress: (0..<[0, 0, 1, 2].randomElement(using: &rng)!).map { _ in rule(&rng) },
                         members: Array(containers.shuffled(using: &rng).prefix(Int.random(in: 0...3, using: &rng))))
    }

    static func targets(_ rng: inout SplitMix64) -> [R.Target] {
        containers.shuffled(using: &rng).prefix(Int.random(in: 0...4, using: &rng)).map { R.Target(ip: $0, port: [8080, 9090].randomElement(using: &rng)!) }
    }

    static func rule(_ rng: inout SplitMix64) -> R.IngressRule {
        let from: [R.Source] = (0..<Int.random(in: 0...2, using: &rng)).map { _ in
            Bool.random(using: &rng) ? .service((names + ["zz"]).randomElement(using: &rng)!) : .cidr(cidrs.randomElement(using: &rng)!)
        }
        let ports = (0..<Int.random(in: 0...2, using: &rng)).map { _ in R.PolicyPort(port: [5432, 80, 53].randomElement(using: &rng)!, proto: Bool.random(using: &rng) ? .tcp : .udp) }
        return R.IngressRule(from: from, ports: ports)
    }

    static func locals(_ rng: inout SplitMix64) -> [R.LocalContainer] {
        containers.shuffled(using: &rng).prefix(Int.random(in: 0...6, using: &rng)).map { ip in
            R.LocalContainer(ip: ip, service: (names + ["zz"]).randomElement(using: &rng).flatMap { Bool.random(using: &rng) ? $0 : nil })
        }
    }

    /// The input with one service given another's VIP port (an invalid change, in place), if
    /// there are two services with ports.
    static func collide(_ input: R.Input, _ rng: inout SplitMix64) -> R.Input? {
        guard input.services.count >= 2, Int.random(in: 0..<3, using: &rng) == 0 else { return nil }
        var broken = input
        let (a, b) = (Int.random(in: 0..<input.services.count, using: &rng), Int.random(in: 0..<input.services.count, using: &rng))
        guard a != b else { return nil }
        broken.services[a].vip = input.services[b].vip
        broken.services[a].ports[0] = input.services[b].ports[0]
        return broken
    }

    /// One small change, the kind an agent sees between two updates.
    static func mutate(_ input: R.Input, _ rng: inout SplitMix64) -> R.Input {
        var next = input
        let i = next.services.indices.randomElement(using: &rng)
        switch Int.random(in: 0..<7, using: &rng) {
        case 0 where i != nil: next.services[i!].ports[0].targets = targets(&rng)
        case 1 where i != nil: next.services[i!].members = Array(containers.shuffled(using: &rng).prefix(Int.random(in: 0...3, using: &rng)))
        case 2 where i != nil: next.services[i!].ingress = Bool.random(using: &rng) ? [] : [rule(&rng)]
        case 3 where i != nil: next.services.remove(at: i!)
        case 4 where i != nil: next.services[i!].algorithm = R.Algorithm.allCases.randomElement(using: &rng)!
        case 5: next.localContainers = locals(&rng)
        default:
            let free = names.filter { name in !next.services.contains { $0.name == name } }
            let used = Set(next.services.map(\.vip))
            if let name = free.randomElement(using: &rng), let vip = (1...8).map({ IPv4Address(0xc613_8000 + UInt32($0)) }).first(where: { !used.contains($0) }) {
                next.services.append(service(name, vip: vip, &rng))
            }
        }
        return next
    }
}
