import BerthClient
import BerthCore

/// Finds a container the way people name one: its full id, a unique id prefix (as `docker ps`
/// users type), or a standalone container's name.
struct ContainerLookup {
    let client: BerthClient

    func find(_ reference: String) async throws -> Container {
        if Self.isFullID(reference) { return try await client.container(reference).value }
        let all = try await client.containers().value.items
        if let named = all.first(where: { $0.name == reference }) { return named }
        let matches = all.filter { $0.id.hasPrefix(reference) }
        switch matches.count {
        case 1: return matches[0]
        case 0: throw CLIError("container \"\(reference)\" not found")
        default: throw CLIError("\"\(reference)\" matches \(matches.count) containers; give more of the id")
        }
    }

    static func isFullID(_ text: String) -> Bool {
        text.utf8.count == 16 && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }
}
