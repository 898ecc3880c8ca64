import BerthCore

/// What a blocked read is waiting for: any change to these kinds, to one named object, or to
/// the containers on one node.
public struct WatchFilter: Sendable, Hashable {
    public var kinds: Set<ObjectKind>
    /// When set, only a change to this object (of the first kind) wakes the waiter.
    public var name: String?
    /// When set, only a change to a container on this node wakes the waiter (what an agent
    /// follows): one container changing then wakes one agent, not all of them.
    public var node: String?

    public init(kinds: Set<ObjectKind>, name: String? = nil, node: String? = nil) {
        self.kinds = kinds
        self.name = name
        self.node = node
    }

    public static func containers(onNode node: String) -> WatchFilter {
        WatchFilter(kinds: [.container], node: node)
    }

    public static func kind(_ kind: ObjectKind) -> WatchFilter { WatchFilter(kinds: [kind]) }

    public static func object(_ kind: ObjectKind, _ name: String) -> WatchFilter {
        WatchFilter(kinds: [kind], name: name)
    }

    public static let everything = WatchFilter(kinds: Set(ObjectKind.allCases))
}

/// One changed object, as the hub announces it.
public struct ObjectKey: Sendable, Hashable {
    public var kind: ObjectKind
    public var name: String

    public init(_ kind: ObjectKind, _ name: String) {
        self.kind = kind
        self.name = name
    }
}
