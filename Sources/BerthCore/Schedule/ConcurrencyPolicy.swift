/// What a periodic job does when a run is due while an earlier one is still active.
public enum ConcurrencyPolicy: String, Sendable, Codable, CaseIterable, ListedEnum, Defaultable {
    /// Start it anyway: runs may overlap.
    case allow
    /// Skip it (for good: it is not started late when the active one ends).
    case forbid
    /// Delete the active runs and start it.
    case replace

    public static var defaultValue: ConcurrencyPolicy { .allow }
}
