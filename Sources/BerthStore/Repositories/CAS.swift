import BerthCore

/// Check-and-set: `?cas=N` applies a write only if the object's `modifyIndex` is still N;
/// `cas=0` applies it only if the object does not exist yet.
enum CAS {
    static func check(_ cas: UInt64?, kind: ObjectKind, name: String, current: UInt64?) throws {
        guard let cas else { return }
        if cas == 0 {
            if let current { throw BerthError.casFailed(kind: kind, name: name, expected: 0, actual: current) }
        } else if current != cas {
            throw BerthError.casFailed(kind: kind, name: name, expected: cas, actual: current)
        }
    }
}
