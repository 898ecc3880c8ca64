import BerthCore
import BerthNetwork

/// The services `berth-bench services` programs: many services of a few targets each, at
/// addresses nobody answers on (only the rules count), inside the lab's ranges.
///
/// Targets come from 198.19.4.0 up in the cluster network 198.19.0.0/17 (10,000 × 3 end at
/// 198.19.121.48, clear of the lab nodes' own subnets 198.19.1-3.0/24); replacements from
/// 198.19.124.0. VIPs come from 198.19.144.0 up: a Berth service range of /20 holds only 4,096
/// VIPs, so these fill 198.19.144.0/18's remainder (to 198.19.183.15 for 10,000) and leave
/// the /20 198.19.128.0/20 to the VIPs that are actually connected to.
enum SyntheticServices {
    static let firstTarget: UInt32 = 0xc613_0400
    static let firstReplacement: UInt32 = 0xc613_7c00
    static let firstVIP: UInt32 = 0xc613_9000

    /// `count` services `svc<i>` of `targets` targets each, port 80 → 8080.
    static func make(_ count: Int, targets: Int = 3) -> [ServiceRules.Service] {
        precondition(count * targets <= Int(firstReplacement - firstTarget) && count <= 16_384 - 4096, "more services than the lab's ranges hold")
        return (0..<count).map { i in
            ServiceRules.Service(
                name: "svc\(i)", vip: IPv4Address(firstVIP + UInt32(i)),
                ports: [ServiceRules.Port(port: 80, targetPort: 8080, targetIPs: (0..<targets).map { IPv4Address(firstTarget + UInt32(i * targets + $0)) })])
        }
    }

    /// The address change number `n` moves a target to (distinct for the first 1,024 changes).
    static func replacement(_ n: Int) -> IPv4Address { IPv4Address(firstReplacement + UInt32(n % 1024)) }
}
