/// Where a container is in its life. `exited`, `failed` and `lost` are terminal.
public enum ContainerState: String, Sendable, Codable, CaseIterable {
    case pending, scheduled, starting, running, exited, failed, lost

    /// A terminal container no longer holds resources or an address.
    public var isTerminal: Bool { self == .exited || self == .failed || self == .lost }
}

public enum DesiredState: String, Sendable, Codable, CaseIterable {
    case running
    case stopped
}

import Foundation

/// One container: what to run, where the scheduler put it, and what its node's agent reports.
public struct Container: Sendable, Hashable, Codable {
    public var id: String
    public var name: String?
    public var service: String?
    public var node: String?
    public var ip: String?
    public var state: ContainerState
    public var desiredState: DesiredState
    /// Why it is pending, failed or stopped, in words a user can act on.
    public var reason: String?
    public var exitCode: Int?
    public var healthy: Bool?
    public var hostPorts: [String: Int]
    public var labels: [String: String]
    public var template: ContainerTemplate
    public var constraints: [Constraint]
    public var preferences: [Preference]
    /// Restarts in a row of this replica slot (0 for a first start, or after a stable run).
    public var attempt: Int
    public var startedAt: Date?
    public var finishedAt: Date?
    /// The service template version it was made from (server-internal, not in the API).
    public var templateVersion: UInt64 = 0
    /// The node a global service's container is made for (server-internal, not in the API).
    public var pinnedNode: String?
    /// The job the container runs for, and its completion index there (absent otherwise).
    public var job: String?
    public var jobIndex: Int?
    public var createIndex: UInt64
    public var modifyIndex: UInt64

    public init(
        id: String, name: String? = nil, service: String? = nil, node: String? = nil, ip: String? = nil,
        state: ContainerState = .pending, desiredState: DesiredState = .running, reason: String? = nil,
        exitCode: Int? = nil, healthy: Bool? = nil, hostPorts: [String: Int] = [:], labels: [String: String] = [:],
        template: ContainerTemplate, constraints: [Constraint] = [], preferences: [Preference] = [],
        attempt: Int = 0, startedAt: Date? = nil, finishedAt: Date? = nil, templateVersion: UInt64 = 0,
        pinnedNode: String? = nil, job: String? = nil, jobIndex: Int? = nil, createIndex: UInt64 = 0, modifyIndex: UInt64 = 0
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
        self.hostPorts = hostPorts
        self.labels = labels
        self.template = template
        self.constraints = constraints
        self.preferences = preferences
        self.attempt = attempt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.templateVersion = templateVersion
        self.pinnedNode = pinnedNode
        self.job = job
        self.jobIndex = jobIndex
        self.createIndex = createIndex
        self.modifyIndex = modifyIndex
    }

    enum CodingKeys: String, CodingKey {
        case id, name, service, node, ip, state, desiredState, reason, exitCode, healthy, hostPorts, labels
        case constraints, preferences, attempt, startedAt, finishedAt, createIndex, modifyIndex, job, jobIndex
    }

    /// By hand: the template's fields sit inline, read leniently beside the server's.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        service = try c.decodeIfPresent(String.self, forKey: .service)
        node = try c.decodeIfPresent(String.self, forKey: .node)
        ip = try c.decodeIfPresent(String.self, forKey: .ip)
        state = try c.decode(ContainerState.self, forKey: .state)
        desiredState = try c.decode(DesiredState.self, forKey: .desiredState)
        reason = try c.decodeIfPresent(String.self, forKey: .reason)
        exitCode = try c.decodeIfPresent(Int.self, forKey: .exitCode)
        healthy = try c.decodeIfPresent(Bool.self, forKey: .healthy)
        hostPorts = try c.decodeIfPresent([String: Int].self, forKey: .hostPorts) ?? [:]
        labels = try c.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        template = try ContainerTemplate(from: decoder)
        constraints = try c.decodeIfPresent([Constraint].self, forKey: .constraints) ?? []
        preferences = try c.decodeIfPresent([Preference].self, forKey: .preferences) ?? []
        attempt = try c.decodeIfPresent(Int.self, forKey: .attempt) ?? 0
        startedAt = try c.decodeIfPresent(Date.self, forKey: .startedAt)
        finishedAt = try c.decodeIfPresent(Date.self, forKey: .finishedAt)
        job = try c.decodeIfPresent(String.self, forKey: .job)
        jobIndex = try c.decodeIfPresent(Int.self, forKey: .jobIndex)
        createIndex = try c.decode(UInt64.self, forKey: .createIndex)
        modifyIndex = try c.decode(UInt64.self, forKey: .modifyIndex)
    }

    /// The template's fields sit inline beside the server's, as in `docker inspect`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(service, forKey: .service)
        try c.encode(node, forKey: .node)
        try c.encode(ip, forKey: .ip)
        try c.encode(state, forKey: .state)
        try c.encode(desiredState, forKey: .desiredState)
        try c.encode(reason, forKey: .reason)
        try c.encode(exitCode, forKey: .exitCode)
        try c.encode(healthy, forKey: .healthy)
        try c.encode(hostPorts, forKey: .hostPorts)
        try c.encode(labels, forKey: .labels)
        try template.encode(to: encoder)
        try c.encode(constraints, forKey: .constraints)
        try c.encode(preferences, forKey: .preferences)
        try c.encode(attempt, forKey: .attempt)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(finishedAt, forKey: .finishedAt)
        // Only a job's containers carry these: every other container's JSON is as it was.
        try c.encodeIfPresent(job, forKey: .job)
        try c.encodeIfPresent(jobIndex, forKey: .jobIndex)
        try c.encode(createIndex, forKey: .createIndex)
        try c.encode(modifyIndex, forKey: .modifyIndex)
    }
}

/// A standalone container request (`POST /v1/containers`): a template plus placement and labels.
public struct ContainerSpec: Sendable, Hashable, Codable {
    public var name: String?
    public var template: ContainerTemplate
    public var constraints: [Constraint]
    public var preferences: [Preference]
    public var labels: [String: String]

    public init(name: String? = nil, template: ContainerTemplate, constraints: [Constraint] = [], preferences: [Preference] = [], labels: [String: String] = [:]) {
        self.name = name
        self.template = template
        self.constraints = constraints
        self.preferences = preferences
        self.labels = labels
    }

    enum CodingKeys: String, CodingKey { case name, constraints, preferences, labels }

    /// By hand: the template's fields sit inline, so the fields it accepts are both key sets.
    public init(from decoder: any Decoder) throws {
        let raw = try decoder.container(keyedBy: AnyCodingKey.self)
        if let unknown = raw.allKeys.first(where: { CodingKeys(stringValue: $0.stringValue) == nil && !ContainerTemplate.declares($0.stringValue) }) {
            throw DecodingError.dataCorrupted(.init(codingPath: [unknown], debugDescription: "unknown field"))
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        template = try ContainerTemplate(from: decoder)
        constraints = try c.decodeIfPresent([Constraint].self, forKey: .constraints) ?? []
        preferences = try c.decodeIfPresent([Preference].self, forKey: .preferences) ?? []
        labels = try c.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(name, forKey: .name)
        try template.encode(to: encoder)
        try c.encode(constraints, forKey: .constraints)
        try c.encode(preferences, forKey: .preferences)
        try c.encode(labels, forKey: .labels)
    }

    public func validate() throws(BerthError) {
        if let name { try Rules.name(name) }
        try template.validate(prefix: "")
        try Constraints.validate(constraints)
        try Preference.validate(preferences, field: "preferences")
        try Rules.labels(labels)
    }
}

/// What a node's agent reports about one container (`PUT /v1/containers/{id}/status`).
public struct StatusReport: Sendable, Hashable, Codable, StrictDecodable {
    public enum ReportedState: String, Sendable, Codable, CaseIterable {
        case starting, running, exited, failed
    }

    public var state: ReportedState
    public var exitCode: Int?
    public var healthy: Bool?
    public var hostPorts: [String: Int]?
    public var reason: String?

    public init(state: ReportedState, exitCode: Int? = nil, healthy: Bool? = nil, hostPorts: [String: Int]? = nil, reason: String? = nil) {
        self.state = state
        self.exitCode = exitCode
        self.healthy = healthy
        self.hostPorts = hostPorts
        self.reason = reason
    }

    public func validate() throws(BerthError) {
        if let exitCode { try Rules.range(exitCode, -255...255, field: "exitCode") }
        if let hostPorts {
            try Rules.count(hostPorts.count, max: 64, field: "hostPorts")
            for (name, port) in hostPorts.sorted(by: { $0.key < $1.key }) {
                try Rules.name(name, field: "hostPorts")
                try Rules.range(port, 1...65535, field: "hostPorts.\(name)")
            }
        }
        if let reason { try Rules.length(reason, 0...1024, field: "reason") }
    }
}
