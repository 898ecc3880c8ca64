/// The one rendering of a lease as the API and the event feed show it (the store calls it from
/// SQL as `berth_lease_json` for leases made in bulk). Byte for byte what `JSONEncoder` with
/// sorted keys writes for a `Lease`.
extension Lease: JSONTextEncodable {
    public var jsonText: String {
        Self.render(network: network, ip: ip, ownerKind: ownerKind.rawValue, owner: owner, node: node, createIndex: createIndex)
    }

    public static func render(network: String, ip: String, ownerKind: String, owner: String, node: String?, createIndex: UInt64) -> String {
        "{\"createIndex\":\(createIndex),\"ip\":" + JSONText.quote(ip) + ",\"network\":" + JSONText.quote(network)
            + ",\"node\":" + (node.map(JSONText.quote) ?? "null") + ",\"owner\":" + JSONText.quote(owner)
            + ",\"ownerKind\":" + JSONText.quote(ownerKind) + "}"
    }
}
