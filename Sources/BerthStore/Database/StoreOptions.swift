/// How a store is opened. The defaults suit a production server.
public struct StoreOptions: Sendable {
    /// How many recent change indexes the event log keeps; older ones are compacted away.
    public var eventRetention: UInt64 = 100_000
    /// How long a writer waits on a lock held by another process before failing.
    public var busyTimeout: Duration = .seconds(5)
    /// How many queued writes may share one transaction (and one fsync).
    public var maxBatch: Int = 512
    /// Refuse to open a database another process holds (a second server, or a restore).
    public var exclusive: Bool = true

    public init() {}
}
