import Foundation
import BerthCore

/// Everything that stops the node network from being planned or applied, worded for an operator.
/// Input errors are found before the first command runs, so a rejected plan leaves nothing behind.
public enum HostNetworkError: Error, Sendable, Hashable, CustomStringConvertible {
    case unknownBackend(String)
    case invalidConfiguration(String)
    /// The underlay address is on no link of the node namespace.
    case underlayNotFound(IPv4Address)
    /// A container network overlaps the network the nodes talk over.
    case overlapsUnderlay(CIDR, underlay: CIDR)
    /// A link with one of our names exists but is not what we would have made (e.g. `berth0` is
    /// not a bridge): someone else owns it, and we will not take it over.
    case linkCollision(name: String, kind: String, expected: String)
    /// A route to a peer subnet exists but was not added by us.
    case routeConflict(CIDR, protocol: String)
    /// A command failed; `command` is what ran, `line` the failing batch line if known.
    case commandFailed(command: String, line: String?, status: Int32, stderr: String)
    /// A tool's output could not be read into the model.
    case unreadableOutput(command: String, reason: String)
    case containerNotAttached(String)
    /// br_netfilter is not available, so bridged traffic would skip the node's filters.
    case bridgeNetfilterMissing
    case notSynced

    public var description: String {
        switch self {
        case .unknownBackend(let name):
            "unknown network backend \"\(name)\": expected \"vxlan\" or \"host-gw\""
        case .invalidConfiguration(let message):
            message
        case .underlayNotFound(let address):
            "underlay address \(address) is not assigned to any link in the node namespace"
        case .overlapsUnderlay(let cidr, let underlay):
            "container network \(cidr) overlaps the underlay network \(underlay)"
        case .linkCollision(let name, let kind, let expected):
            "link \(name) exists as \(kind.isEmpty ? "a plain device" : kind), not a \(expected) Berth made; remove or rename it"
        case .routeConflict(let cidr, let proto):
            "a route to \(cidr) exists with protocol \(proto), not Berth's; refusing to replace it"
        case .commandFailed(let command, let line, let status, let stderr):
            "\(command) exited \(status)\(line.map { " at \"\($0)\"" } ?? ""): \(stderr.trimmingCharacters(in: .whitespacesAndNewlines))"
        case .unreadableOutput(let command, let reason):
            "cannot read the output of \(command): \(reason)"
        case .bridgeNetfilterMissing:
            "net.bridge.bridge-nf-call-iptables does not exist in the node namespace and br_netfilter could not be loaded: containers on one bridge would bypass network policy and VIP replies would not be translated; load br_netfilter (modprobe br_netfilter) and restart the agent"
        case .containerNotAttached(let id):
            "container \(id) is not attached"
        case .notSynced:
            "the node network has not been synced yet: call sync() before attach()"
        }
    }
}
