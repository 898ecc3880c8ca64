import BerthCore
import BerthDNSWire
import Synchronization

/// Response-rate limiting for the whole server, shared by its UDP sockets (the kernel spreads
/// one network's clients over all of them): `DNSRateLimitTable`s in 16 stripes, each under its
/// own lock, a network always in the same stripe, so threads rarely wait on each other.
///
/// Exempt clients are never limited: loopback (unless the options say otherwise; checked first,
/// a comparison) and whatever `DNSRateLimit.exempt` admits (`berth serve`: the cluster's nodes,
/// whose forwarders ask for all their containers), looked at only once a network is over its
/// limit, so an ordinary answer costs one lock and no lookup.
public final class DNSRateLimiter: Sendable {
    public let options: DNSRateLimit
    private let clock: any BerthClock
    private let stripes: [Stripe]

    private final class Stripe: Sendable {
        let table: Mutex<DNSRateLimitTable>
        init(_ table: DNSRateLimitTable) { self.table = Mutex(table) }
    }

    public init(options: DNSRateLimit, clock: any BerthClock = SystemClock()) {
        self.options = options
        self.clock = clock
        let rate = options.responsesPerSecond
        stripes = (0..<16).map { _ in Stripe(DNSRateLimitTable(rate: rate, slip: options.slip, capacity: 1024)) }
    }

    /// False when the options turn rate limiting off.
    public var isEnabled: Bool { options.responsesPerSecond > 0 }

    /// What to do with the next response to `address`.
    public func admit(_ address: DNSIPv4Address) -> DNSRateLimitVerdict {
        // Loopback first, with no lock and no clock: a server on 127.0.0.1 (the default) pays
        // one comparison a packet.
        guard isEnabled, !(options.exemptLoopback && address.rawValue >> 24 == 127) else { return .answer }
        let uptime = clock.uptime.components
        let now = uptime.seconds &* 1_000_000_000 &+ uptime.attoseconds / 1_000_000_000
        let stripe = Int((address.rawValue >> 8) & 15)
        let verdict = stripes[stripe].table.withLock { $0.admit(address.rawValue, now: now) }
        if verdict != .answer, isExempt(address) { return .answer }
        return verdict
    }

    /// True for a client no limit applies to.
    public func isExempt(_ address: DNSIPv4Address) -> Bool {
        (options.exemptLoopback && address.rawValue >> 24 == 127) || options.exempt(address)
    }
}

/// How `berth serve`'s DNS limits what it sends (`--dns-rate-limit`, `--dns-rate-limit-slip`).
public struct DNSRateLimit: Sendable {
    /// Responses a second per client /24 network; 0 turns limiting off.
    public var responsesPerSecond = 100
    /// Over the limit, one response in this many goes out truncated (TC), so a real client
    /// retries over TCP; the rest are dropped. 0: drop them all; 1: truncate them all.
    public var slip = 2
    /// Loopback clients (127.0.0.0/8) are not limited.
    public var exemptLoopback = true
    /// Other clients that are not limited, asked only of a network over its limit.
    public var exempt: @Sendable (DNSIPv4Address) -> Bool = { _ in false }

    public init() {}
}
