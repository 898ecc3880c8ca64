import Foundation
import Synchronization

/// Container ids: 16 hex digits, as Docker's short ids, but in creation order.
///
/// A random id puts each new container at a random place in the primary-key index, so a commit
/// of a few thousand creates rewrites a few thousand index pages into the WAL; in a cluster of a
/// million containers that was most of what creating them cost. An id that grows with time
/// appends instead: milliseconds since 2024 in the top 40 bits (good until 2058), a per-process
/// salt in the next 8, and a counter in the low 16 that restarts each millisecond. Two servers
/// on one database (the HA issue) differ by salt; a process that makes more than 65,536 ids in
/// one millisecond borrows the next millisecond, so its ids stay unique and increasing.
enum ContainerID {
    private struct Clock {
        var millisecond: UInt64 = 0
        var counter: UInt64 = 0
    }

    private static let state = Mutex(Clock())
    private static let salt = UInt64.random(in: 0...255)
    /// 2024-01-01T00:00:00Z in Unix milliseconds.
    private static let epoch: UInt64 = 1_704_067_200_000

    static func next(now: Date = Date()) -> String {
        let wall = UInt64(max(0, now.timeIntervalSince1970 * 1000)) &- epoch
        let (millisecond, counter) = state.withLock { clock -> (UInt64, UInt64) in
            if wall > clock.millisecond {
                clock.millisecond = wall
                clock.counter = 0
            } else {
                clock.counter += 1
                if clock.counter > 0xFFFF {
                    clock.millisecond += 1
                    clock.counter = 0
                }
            }
            return (clock.millisecond, clock.counter)
        }
        let value = (millisecond & 0xFF_FFFF_FFFF) << 24 | salt << 16 | counter
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
