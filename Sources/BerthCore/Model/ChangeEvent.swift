/// One entry of the change feed: what happened to one object at one change index.
///
/// `object` is the object's JSON as it was after the change (before it, for a delete), kept as
/// text so the feed is served without decoding and re-encoding every object.
public struct ChangeEvent: Sendable, Hashable {
    public var index: UInt64
    public var kind: ObjectKind
    public var name: String
    public var op: ChangeOp
    public var object: String

    public init(index: UInt64, kind: ObjectKind, name: String, op: ChangeOp, object: String) {
        self.index = index
        self.kind = kind
        self.name = name
        self.op = op
        self.object = object
    }
}
