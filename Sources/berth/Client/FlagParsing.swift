import BerthCore

/// Parses the compact flag notations (`K=V`, `80:8080/udp`, `spread=node.labels.zone`) in
/// `run()`, so a malformed value is the usual one-line `berth: ...` failure naming the flag.
enum FlagParsing {
    /// `KEY=VALUE`; the value may be empty and may itself contain `=`.
    static func keyValue(_ text: String, flag: String) throws -> (key: String, value: String) {
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
            throw CLIError("\(flag) \"\(text)\": expected KEY=VALUE")
        }
        return (String(text[..<eq]), String(text[text.index(after: eq)...]))
    }

    /// One of an enum's raw values, as offered by completion.
    static func choice<E: RawRepresentable & CaseIterable>(_ text: String, flag: String) throws -> E where E.RawValue == String {
        guard let value = E(rawValue: text) else {
            let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
            throw CLIError("\(flag) \"\(text)\": must be one of \(allowed)")
        }
        return value
    }

    /// The words shell completion offers for an enum flag.
    static func words<E: RawRepresentable & CaseIterable>(_ type: E.Type) -> [String] where E.RawValue == String {
        E.allCases.map(\.rawValue)
    }

    /// A placement constraint, parsed here so a malformed one is a one-line error quoting it.
    static func constraint(_ text: String, flag: String) throws -> Constraint {
        do { return try Constraint.parse(text) } catch { throw CLIError("\(flag): invalid constraint \(error)") }
    }

    static func durationValue(_ text: String, flag: String) throws -> Duration {
        guard let value = DurationText.parse(text) else { throw CLIError("\(flag) \"\(text)\": expected a duration like 500ms, 2s or 1m30s") }
        return value
    }

    /// `PORT[:TARGET][/tcp|udp]`: the service's port on its VIP and the container port it forwards to.
    static func servicePort(_ text: String) throws -> ServicePort {
        let (numbers, proto) = try splitProtocol(text, flag: "--port")
        let parts = numbers.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let port = Int(parts[0]), let target = Int(parts.last!) else {
            throw CLIError("--port \"\(text)\": expected PORT:TARGET, like 80:8080 or 53:5353/udp")
        }
        return ServicePort(port: port, targetPort: target, protocol: proto)
    }

    /// `NAME=PORT[/tcp|udp]`: a named port the container listens on.
    static func containerPort(_ text: String) throws -> ContainerPort {
        let (name, rest) = try keyValue(text, flag: "--container-port")
        let (number, proto) = try splitProtocol(rest, flag: "--container-port")
        guard let port = Int(number) else { throw CLIError("--container-port \"\(text)\": expected NAME=PORT, like http=8080") }
        return ContainerPort(name: name, containerPort: port, protocol: proto)
    }

    private static func splitProtocol(_ text: String, flag: String) throws -> (String, PortProtocol) {
        guard let slash = text.firstIndex(of: "/") else { return (text, .tcp) }
        let proto: PortProtocol = try choice(String(text[text.index(after: slash)...]), flag: flag)
        return (String(text[..<slash]), proto)
    }
}

/// One `--placement-pref`: `spread=ATTRIBUTE` (spread replicas evenly over the attribute's values,
/// as in Swarm) or `prefer[:WEIGHT]=CONSTRAINT` (a soft constraint, weight 1–100, default 1).
enum PlacementPreference: Equatable {
    case spread(String)
    case prefer(Preference)

    init(parsing text: String, flag: String = "--placement-pref") throws {
        let (key, value) = try FlagParsing.keyValue(text, flag: flag)
        func rule() throws -> Constraint {
            do { return try Constraint.parse(value) } catch { throw CLIError("\(flag) \"\(text)\": \(error)") }
        }
        if key == "spread" {
            self = .spread(value)
        } else if key == "prefer" {
            self = .prefer(Preference(constraint: try rule()))
        } else if key.hasPrefix("prefer:"), let weight = Int(key.dropFirst(7)) {
            self = .prefer(Preference(constraint: try rule(), weight: weight))
        } else {
            throw CLIError("\(flag) \"\(text)\": expected spread=ATTRIBUTE or prefer[:WEIGHT]=CONSTRAINT")
        }
    }

    /// Adds itself to a placement, once.
    func add(to placement: inout Placement) {
        switch self {
        case .spread(let attribute):
            if !placement.spreadBy.contains(attribute) { placement.spreadBy.append(attribute) }
        case .prefer(let preference):
            placement.preferences.removeAll { $0.constraint == preference.constraint }
            placement.preferences.append(preference)
        }
    }

    /// Takes itself out of a placement (the weight of a preference is ignored).
    func remove(from placement: inout Placement) {
        switch self {
        case .spread(let attribute): placement.spreadBy.removeAll { $0 == attribute }
        case .prefer(let preference): placement.preferences.removeAll { $0.constraint == preference.constraint }
        }
    }
}
