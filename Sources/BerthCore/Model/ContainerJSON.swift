import Foundation

/// The one rendering of a container as the API shows it: the API's answers, the event feed's
/// objects and therefore backups all come from here, byte for byte.
///
/// The store renders rows through it (as the SQL function `berth_container_json`, so bulk writes
/// log thousands of events without a round trip), and `Container.jsonText` renders values through
/// it. The output is what `JSONEncoder` with sorted keys and ISO 8601 dates writes for a
/// `Container` (tests hold the two together): the template's fields inline, spliced from the
/// template's own stored JSON rather than decoded and encoded again.
public enum ContainerJSON {
    /// A container's fields as the store holds them: scalars, and JSON text for the maps and the
    /// template (each as `JSONEncoder` with sorted keys wrote it).
    public struct Fields {
        public var id: String
        public var name: String?
        public var service: String?
        public var node: String?
        public var ip: String?
        public var state: String
        public var desiredState: String
        public var reason: String?
        public var exitCode: Int?
        public var healthy: Bool?
        public var hostPortsJSON: String
        public var labelsJSON: String
        public var templateJSON: String
        public var constraints: [String]
        /// Each preference's constraint text and weight.
        public var preferences: [(constraint: String, weight: Int)]
        public var attempt: Int
        public var startedAt: Date?
        public var finishedAt: Date?
        public var createIndex: UInt64
        public var modifyIndex: UInt64
        /// A job's container's job and index; nil for every other container (and not written).
        public var job: String?
        public var jobIndex: Int?

        public init(
            id: String, name: String?, service: String?, node: String?, ip: String?, state: String, desiredState: String,
            reason: String?, exitCode: Int?, healthy: Bool?, hostPortsJSON: String, labelsJSON: String, templateJSON: String,
            constraints: [String], preferences: [(constraint: String, weight: Int)], attempt: Int, startedAt: Date?, finishedAt: Date?,
            createIndex: UInt64, modifyIndex: UInt64, job: String? = nil, jobIndex: Int? = nil
        ) {
            self.id = id
            self.name = name
            self.service = service
            self.node = node
            self.ip = ip
            self.state = state
            self.desiredState = desiredState
            self.reason = reason
            self.exitCode = exitCode
            self.healthy = healthy
            self.hostPortsJSON = hostPortsJSON
            self.labelsJSON = labelsJSON
            self.templateJSON = templateJSON
            self.constraints = constraints
            self.preferences = preferences
            self.attempt = attempt
            self.startedAt = startedAt
            self.finishedAt = finishedAt
            self.createIndex = createIndex
            self.modifyIndex = modifyIndex
            self.job = job
            self.jobIndex = jobIndex
        }
    }

    /// Renders the container; nil only if `templateJSON` is not a JSON object.
    public static func render(_ f: Fields) -> String? {
        guard let template = JSONMembers.split(f.templateJSON) else { return nil }
        func text(_ value: String?) -> String { value.map(JSONText.quote) ?? "null" }
        func date(_ value: Date?) -> String { value.map { JSONText.quote(JSONText.date($0)) } ?? "null" }
        var constraints = "["
        for (i, rule) in f.constraints.enumerated() { constraints += (i > 0 ? "," : "") + JSONText.quote(rule) }
        constraints += "]"
        var preferences = "["
        for (i, p) in f.preferences.enumerated() {
            preferences += (i > 0 ? "," : "") + "{\"constraint\":" + JSONText.quote(p.constraint) + ",\"weight\":\(p.weight)}"
        }
        preferences += "]"
        // The container's own members, in key order; the template's are merged in by key below.
        var own: [(String, String)] = [
            ("attempt", String(f.attempt)),
            ("constraints", constraints),
            ("createIndex", String(f.createIndex)),
            ("desiredState", JSONText.quote(f.desiredState)),
            ("exitCode", f.exitCode.map(String.init) ?? "null"),
            ("finishedAt", date(f.finishedAt)),
            ("healthy", f.healthy.map { $0 ? "true" : "false" } ?? "null"),
            ("hostPorts", f.hostPortsJSON),
            ("id", JSONText.quote(f.id)),
            ("ip", text(f.ip)),
            ("labels", f.labelsJSON),
            ("modifyIndex", String(f.modifyIndex)),
            ("name", text(f.name)),
            ("node", text(f.node)),
            ("preferences", preferences),
            ("reason", text(f.reason)),
            ("service", text(f.service)),
            ("startedAt", date(f.startedAt)),
            ("state", JSONText.quote(f.state)),
        ]
        // A job's container's: after "ip", before "labels" (the list stays in key order), and
        // only when set, so every other container's JSON is as it always was.
        let jobMembers = (f.job.map { [("job", JSONText.quote($0))] } ?? []) + (f.jobIndex.map { [("jobIndex", String($0))] } ?? [])
        if !jobMembers.isEmpty { own.insert(contentsOf: jobMembers, at: own.firstIndex { $0.0 == "labels" }!) }
        var out = "{"
        out.reserveCapacity(f.templateJSON.utf8.count + 512)
        var t = template.startIndex
        var first = true
        func append(_ key: some StringProtocol, _ value: some StringProtocol) {
            if !first { out += "," }
            first = false
            out += "\""
            out += key
            out += "\":"
            out += value
        }
        for (key, value) in own {
            while t < template.endIndex, template[t].key.utf8.lexicographicallyPrecedes(key.utf8) {
                append(template[t].key, template[t].value)
                t += 1
            }
            append(key, value)
        }
        while t < template.endIndex {
            append(template[t].key, template[t].value)
            t += 1
        }
        return out + "}"
    }
}

extension Container: JSONTextEncodable {
    /// This container as `ContainerJSON` renders it (and so as the API shows it).
    public var jsonText: String {
        let fields = ContainerJSON.Fields(
            id: id, name: name, service: service, node: node, ip: ip, state: state.rawValue, desiredState: desiredState.rawValue,
            reason: reason, exitCode: exitCode, healthy: healthy, hostPortsJSON: JSONText.intMap(hostPorts),
            labelsJSON: JSONText.stringMap(labels), templateJSON: template.canonicalJSON, constraints: constraints.map(\.description),
            preferences: preferences.map { ($0.constraint.description, $0.weight) }, attempt: attempt, startedAt: startedAt, finishedAt: finishedAt,
            createIndex: createIndex, modifyIndex: modifyIndex, job: job, jobIndex: jobIndex
        )
        return ContainerJSON.render(fields)!
    }
}

extension ContainerTemplate {
    /// The template's JSON as the store keeps it: sorted keys, ISO 8601 dates, slashes unescaped.
    public var canonicalJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        // Encoding plain values of strings, numbers and arrays cannot fail.
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
