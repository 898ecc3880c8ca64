/// Nodes in and out of JSON without Foundation's coders: a node write decodes a `NodeSpec` and
/// encodes the `Node` it records, and the two coders were 40 % of its CPU. Tests hold both to
/// what `JSONDecoder` and `JSONEncoder` make of the same values.
extension Node: JSONTextEncodable {
    public var jsonText: String {
        var out = "{\"address\":" + JSONText.quote(address)
        out += ",\"allocated\":" + allocated.jsonText
        out += ",\"availability\":\"" + availability.rawValue + "\""
        out += ",\"capacity\":" + capacity.jsonText
        out += ",\"createIndex\":" + String(createIndex)
        out += ",\"labels\":" + JSONText.stringMap(labels)
        out += ",\"lastHeartbeat\":" + (lastHeartbeat.map { JSONText.quote(JSONText.date($0)) } ?? "null")
        out += ",\"modifyIndex\":" + String(modifyIndex)
        out += ",\"name\":" + JSONText.quote(name)
        out += ",\"status\":\"" + status.rawValue + "\""
        out += ",\"subnet\":" + (subnet.map(JSONText.quote) ?? "null")
        out += ",\"vtepMAC\":" + (vtepMAC.map(JSONText.quote) ?? "null")
        return out + "}"
    }
}

extension Resources: JSONTextEncodable {
    public var jsonText: String { "{\"cpu\":\(cpu),\"memory\":\(memory)}" }

    /// `{"cpu":N,"memory":N}` in plain JSON, both required.
    init?(plain reader: inout SimpleJSONReader) {
        var cpu: Int?
        var memory: Int?
        let ok = reader.object { key, reader in
            switch key {
            case "cpu": cpu = reader.integer(); return cpu != nil
            case "memory": memory = reader.integer(); return memory != nil
            default: return false
            }
        }
        guard ok, let cpu, let memory else { return nil }
        self.init(cpu: cpu, memory: memory)
    }
}

extension NodeSpec: PlainJSONDecodable {
    public init?(plainJSON bytes: [UInt8]) {
        var address: String?
        var labels: [String: String]?
        var capacity: Resources?
        var availability: Availability?
        var vtepMAC: String?
        let ok = SimpleJSONReader.read(bytes) { reader -> Bool? in
            let ok = reader.object { key, reader in
                switch key {
                case "address": address = reader.string(); return address != nil
                case "labels": labels = reader.stringMap(); return labels != nil
                case "capacity": capacity = Resources(plain: &reader); return capacity != nil
                case "availability": availability = reader.string().flatMap(Availability.init(rawValue:)); return availability != nil
                // Every agent sends it on every registration: read here, not left to JSONDecoder.
                case "vtepMAC": vtepMAC = reader.string(); return vtepMAC != nil
                default: return false
                }
            }
            return ok ? true : nil
        }
        guard ok != nil, let address, let capacity else { return nil }
        self.init(address: address, labels: labels ?? [:], capacity: capacity, availability: availability ?? .active, vtepMAC: vtepMAC)
    }
}
