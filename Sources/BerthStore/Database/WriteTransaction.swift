import BerthCore
import Foundation
import GRDB

/// One logical write inside a (possibly shared) database transaction.
///
/// Repositories change rows through it and `record` each changed object; the first record
/// takes the write's change index, which becomes the objects' `modifyIndex` and the events'
/// index. A write that records nothing takes no index.
public final class WriteTransaction {
    public let db: Database
    /// The clock reading of the write, so every row in it agrees on "now".
    public let now: Date
    private var last: UInt64
    private var opIndex: UInt64?
    private(set) var changes: [ObjectKey] = []
    private var opChanges: [ObjectKey] = []

    init(db: Database, current: UInt64, now: Date) {
        self.db = db
        self.last = current
        self.now = now
    }

    /// The index this write commits at; taken on first use.
    public var index: UInt64 {
        if let opIndex { return opIndex }
        last += 1
        opIndex = last
        return last
    }

    /// The index to report for this write: its own if it changed anything, else the current one.
    public var resultIndex: UInt64 { opIndex ?? last }

    /// The object JSON of the last event this write recorded: an API answer that returns the
    /// object it wrote can send these bytes instead of encoding the object again.
    public private(set) var lastRecorded: (key: ObjectKey, json: String)?

    /// Appends an event for one changed object. `object` is its state after the change.
    public func record(_ kind: ObjectKind, _ name: String, _ op: ChangeOp, _ object: some Encodable) throws {
        let json = try JSONColumn.encode(object)
        try db.executeCached(
            sql: "INSERT INTO events (change_index, kind, name, op, object) VALUES (?, ?, ?, ?, ?)",
            arguments: [index, kind.rawValue, name, op.rawValue, json]
        )
        opChanges.append(ObjectKey(kind, name))
        lastRecorded = (ObjectKey(kind, name), json)
    }

    /// Appends an event whose object SQLite renders: `documentSQL` selects one `document` column.
    /// Bulk writers use it to log thousands of changes without Swift's JSON encoder.
    func recordDocument(_ kind: ObjectKind, _ name: String, _ op: ChangeOp, documentSQL: String, arguments: StatementArguments) throws {
        try db.executeCached(
            sql: "INSERT INTO events (change_index, kind, name, op, object) SELECT ?, ?, ?, ?, document FROM (\(documentSQL))",
            arguments: [index, kind.rawValue, name, op.rawValue] + arguments
        )
        opChanges.append(ObjectKey(kind, name))
    }

    /// Marks an object as changed without an event of its own (its event is recorded by SQL).
    func touched(_ kind: ObjectKind, _ name: String) {
        opChanges.append(ObjectKey(kind, name))
    }

    /// The last index any write in this transaction took.
    var lastIndex: UInt64 { last }

    func beginOp() {
        opIndex = nil
        opChanges = []
        lastRecorded = nil
    }

    func commitOp() {
        changes += opChanges
        opChanges = []
    }

    /// Forgets an op rolled back to its savepoint, giving its index back.
    func rollbackOp() {
        if opIndex != nil { last -= 1 }
        opIndex = nil
        opChanges = []
    }
}
