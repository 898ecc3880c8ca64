/// How a store is opened. The defaults suit a production server.
public struct StoreOptions: Sendable {
    /// How many recent change indexes the event log keeps; older ones are compacted away.
    public var eventRetention: UInt64 = 100_000
    /// How long a writer waits on a lock held by another process before failing.
    public var busyTimeout: Duration = .seconds(5)
    /// How many queued writes may share one transaction (and one fsync).
    public var maxBatch: Int = 512
    /// SQLite page cache per connection, in KiB.
    public var cacheKiB: Int = 65_536
    /// How much of the file SQLite may map into memory. Mapped pages count in the server's
    /// resident size, and the controllers decide from memory (`ClusterState`), not from
    /// re-reading the file: with the 2.1 GB file of a million containers, a 1 GiB window held
    /// 1 GB of it resident for no gain — placing and creating ran as fast with 256 MiB, reads
    /// beyond it going through SQLite's page cache and the kernel's.
    public var mmapBytes: Int = 256 << 20
    /// WAL pages written before the writer checkpoints them into the database file.
    public var walAutocheckpointPages: Int = 16_384
    /// Refuse to open a database another process holds (a second server, or a restore).
    public var exclusive: Bool = true

    public init() {}
}
