import BerthCore

/// Service VIPs and ingress policy as nftables objects in the node's table `ip berth-svc`: a pure
/// planner from `Input` to the chains, sets and maps that `ServiceProxy` keeps in the kernel.
///
/// Layout (kube-proxy's nftables design, with the per-service work moved into map elements):
///
/// - `svc-ips` (`VIP . proto . port : verdict`), looked up from `svc-nat-pre` (containers, other
///   hosts) and `svc-nat-out` (the node itself), sends a new connection to the spreading chain
///   for its algorithm and target count, `svc-random-N` or `svc-rr-N` (`numgen random|inc mod N
///   vmap`), which picks a slot `i`; `svc-slot-i` DNATs through the map `svc-ep-i`
///   (`VIP . proto . port : target . port`). A service is therefore only map elements: changing
///   its targets changes elements, never a chain, and the table has O(largest N) chains
///   however many services there are (nft 1.0.6 reads every chain and set, anonymous ones
///   included, before each command, which costs ~0.1 s at 10,000 per-service chains).
/// - `sourceHash` keeps a client on its target, kube-proxy's way: a chain per service port
///   (`svc-<hash>`) checks per-target affinity sets (`aff-<hash>-<target>`, entries with a
///   timeout refreshed on every new connection) before picking at random, and per-target
///   chains (`svc-<hash>-<target>`) record the client and DNAT.
/// - `svc-noep` (same key) sends connections to a port without targets to `svc-reject` (TCP
///   reset, else ICMP port unreachable) from `svc-noep-pre` and `svc-noep-out`, before the
///   routing decision, so clients fail at once instead of waiting for a timeout, whatever the
///   node's routes. They are NAT chains (before the VIP DNAT), which the kernel runs only for
///   a connection's first packet: nothing per packet of an established flow.
/// - `svc-self` (`ip . ip` for each local container) masquerades a container that reached
///   itself through a VIP (`svc-nat-post`), and lets that hairpin pass policy: only a packet
///   DNATed on this node that came from the bridge (the real origin; the bridge's anti-spoofing
///   ties a source address to its container's port).
/// - Policy, on the destination node in `svc-filter-fwd`: replies pass (`ct state
///   established,related`); `pol-dests` (`container ip : goto pol-<hash of service>`) sends new
///   connections to a local container whose service has ingress rules to its policy chain,
///   which accepts the listed sources (`pol-src-<hash>` sets of service members, kept current
///   element by element, and CIDRs) on the listed ports and rejects the rest. The node's own
///   traffic leaves through `output`, never `forward`, so it always passes.
///
/// Names are fixed words or a prefix and 16 hex digits of FNV-1a: deterministic, short, and
/// never an nft keyword. Everything this planner makes starts with `svc-`, `pol-` or `aff-`
/// (`owns(_:)`); `ip berth` (`NodeFirewall`) is the node's.
public enum ServiceRules {
    /// A table of their own, so the node's sync, which reads `ip berth` every few seconds,
    /// never has nft fetch the services' maps (an element per VIP port and target), and
    /// `ServiceProxy.verify()` can tell from the ruleset generation that nothing changed.
    public static let tableName = "berth-svc"

    /// The service rules for `input`, as one table value (what `ServiceProxy` keeps applied,
    /// and what `HostNetwork.setFirewallExtensions` takes).
    public static func table(_ input: Input) throws(ServiceRulesError) -> NFTTable {
        try RulePlan(input).table()
    }

    /// Whether a chain or set name belongs to the service rules (those found in `ip berth` were
    /// left there by an agent from before the services had their own table: the node's sync
    /// deletes them).
    public static func owns(_ name: String) -> Bool {
        name.hasPrefix("svc-") || name.hasPrefix("pol-") || name.hasPrefix("aff-")
    }
}

extension ServiceRules {
    /// Object names. Per-service names hash the service name (and port, target), so they are
    /// stable across restarts and the same on every node. 64 bits for services (a collision
    /// among 10,000 has odds of about 1 in 10^11) and 32 for a target within its service port.
    enum Names {
        static let vipMap = "svc-ips"
        static let noEndpointMap = "svc-noep"
        static let selfSet = "svc-self"
        static let policyMap = "pol-dests"
        static let rejectChain = "svc-reject"
        static let natPrerouting = "svc-nat-pre"
        static let natOutput = "svc-nat-out"
        static let natPostrouting = "svc-nat-post"
        static let filterForward = "svc-filter-fwd"
        static let noEndpointsPrerouting = "svc-noep-pre"
        static let noEndpointsOutput = "svc-noep-out"

        static func spreadChain(_ kind: SpreadKind, targets: Int) -> String { "svc-\(kind.rawValue)-\(targets)" }
        static func slotChain(_ slot: Int) -> String { "svc-slot-\(slot)" }
        static func slotMap(_ slot: Int) -> String { "svc-ep-\(slot)" }

        static func serviceChain(_ service: String, _ port: Port) -> String { "svc-" + portHash(service, port) }
        static func targetChain(_ service: String, _ port: Port, _ target: Target) -> String {
            "svc-" + portHash(service, port) + "-" + targetHash(target)
        }
        static func affinitySet(_ service: String, _ port: Port, _ target: Target) -> String {
            "aff-" + portHash(service, port) + "-" + targetHash(target)
        }
        static func isAffinitySet(_ name: String) -> Bool { name.hasPrefix("aff-") }

        static func policyChain(_ service: String) -> String { "pol-" + hash64(service) }
        static func sourceSet(_ service: String) -> String { "pol-src-" + hash64(service) }

        static func portHash(_ service: String, _ port: Port) -> String { hash64("\(service)/\(port.proto.rawValue)/\(port.port)") }
        static func targetHash(_ target: Target) -> String { LinkNames.hex(UInt64(FNV1a.hash32(target.description)), digits: 8) }
        static func hash64(_ text: String) -> String { LinkNames.hex(FNV1a.hash64(text), digits: 16) }
    }

    /// How a spreading chain picks a slot: `numgen random` (random, leastConn) or `numgen inc`.
    enum SpreadKind: String, Sendable, Hashable {
        case random
        case roundRobin = "rr"
    }
}
