import Foundation

/// A node's Consul ID: Consul's are UUIDs, and Traefik keys instance health by node ID plus
/// service ID, so it must be stable and the same in every answer. Derived from the node's name
/// (two FNV-1a hashes), not random and not secret.
enum ConsulNodeID {
    static func of(_ name: String) -> String {
        func fnv(_ seed: UInt64) -> UInt64 {
            var hash = seed
            for byte in name.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x100_0000_01b3
            }
            return hash
        }
        let high = fnv(0xcbf2_9ce4_8422_2325)
        let low = fnv(0x84_222_325_cbf2_9ce4)
        let hex = String(format: "%016llx%016llx", high, low)
        let digits = Array(hex)
        func part(_ range: Range<Int>) -> String { String(digits[range]) }
        return "\(part(0..<8))-\(part(8..<12))-\(part(12..<16))-\(part(16..<20))-\(part(20..<32))"
    }
}
