import Foundation

/// SplitMix64 (Steele, Lea and Flood), the suite's one seeded generator: tiny, fast, and the
/// same sequence for the same seed on every machine, so a failing seed replays exactly.
///
/// Use it for every random choice a test or benchmark makes, and make the seed visible on
/// failure: pass it as a `@Test(arguments:)` value (Swift Testing names a failing case's
/// arguments) or put it in the assertion's message.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The seed this generator started from.
    public let seed: UInt64
    private var state: UInt64

    public init(seed: UInt64) {
        self.seed = seed
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `range`. (Modulo bias is irrelevant at the small ranges tests draw from, and
    /// keeping it keeps every recorded seed's sequence unchanged.)
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    public mutating func bool() -> Bool { next() & 1 == 1 }

    /// One of `items`, or nil when there are none.
    public mutating func pick<T>(_ items: [T]) -> T? {
        items.isEmpty ? nil : items[int(in: 0...(items.count - 1))]
    }

    /// An independent generator for one of several concurrent workers: its seed is derived from
    /// this generator's seed and `stream`, so each worker's choices replay too.
    public func stream(_ stream: UInt64) -> SplitMix64 {
        var mixer = SplitMix64(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
        return SplitMix64(seed: mixer.next())
    }
}

/// The seeds a random test runs with: `defaults`, or the ones in `BERTH_TEST_SEEDS`
/// (comma-separated) to replay a failure or explore new ones, e.g.
/// `BERTH_TEST_SEEDS=7,8,9 swift test --filter ClusterSimulation`.
public enum TestSeeds {
    public static func or(_ defaults: [UInt64]) -> [UInt64] {
        guard let text = ProcessInfo.processInfo.environment["BERTH_TEST_SEEDS"] else { return defaults }
        let seeds = text.split(separator: ",").compactMap { UInt64($0.trimmingCharacters(in: .whitespaces)) }
        return seeds.isEmpty ? defaults : seeds
    }
}
