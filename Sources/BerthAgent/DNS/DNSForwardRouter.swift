import BerthDNSWire
import NIOCore
import Synchronization

/// What the forwarder's listeners share: where a query goes, the budget it is held to, and how
/// its answer comes back. A query in the Berth zone goes to the Berth server, any other to the
/// node's resolvers in turn; each client (a container's address) has at most `perClient`
/// queries upstream at once, and one over gets SERVFAIL.
final class DNSForwardRouter: Sendable {
    let zone: DNSName
    let server: DNSUpstream
    let resolvers: [DNSUpstream]
    let budget: DNSForwardBudget
    let timeout: TimeAmount
    private let turn = Atomic<Int>(0)

    init(zone: DNSName, server: DNSUpstream, resolvers: [DNSUpstream], budget: DNSForwardBudget, timeout: TimeAmount) {
        self.zone = zone
        self.server = server
        self.resolvers = resolvers
        self.budget = budget
        self.timeout = timeout
    }

    /// Answers one client message (UDP datagram or TCP frame) through `reply`, on the loop that
    /// called: at once for one that is malformed, has nowhere to go or is over the client's
    /// budget; when the upstream answers otherwise; never when it does not answer in time (the
    /// client asks again). `client` is the client's IPv4 address (host order).
    func handle(_ message: [UInt8], client: UInt32, on loop: any EventLoop, reply: @escaping @Sendable ([UInt8], DNSQuery?) -> Void) {
        let query: DNSQuery
        do {
            query = try DNSQuery.parse(message)
        } catch {
            var out: [UInt8] = []
            if error.writeResponse(into: &out) { reply(out, nil) }
            return
        }
        guard let upstream = upstream(for: query.name), budget.take(client) else {
            var out: [UInt8] = []
            query.writeResponse(rcode: .serverFailure, into: &out)
            return reply(out, query)
        }
        let budget = budget
        DNSUpstreamExchange.run(query: message, question: query.questionBytes, upstream: upstream, caller: loop, timeout: timeout)
            .hop(to: loop)
            .whenComplete { result in
                budget.give(client)
                guard case .success(let answer?) = result else { return }
                reply(DNSForwardMatch.withID(answer, query.id), query)
            }
    }

    private func upstream(for name: DNSName) -> DNSUpstream? {
        if name.isSubdomain(of: zone) { return server }
        guard !resolvers.isEmpty else { return nil }
        let turn = turn.wrappingAdd(1, ordering: .relaxed).oldValue
        return resolvers[Int(UInt(bitPattern: turn) % UInt(resolvers.count))]
    }
}
