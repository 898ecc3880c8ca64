@testable import BerthStore
import Foundation
import Testing

/// Container ids grow with time, so new containers append to the primary-key index instead of
/// landing all over it; they stay 16 lowercase hex digits and unique, even past 65,536 in one
/// millisecond and with a clock that steps back.
@Suite struct ContainerIDTests {
    @Test func idsAreUniqueIncreasingHexEvenWithinOneMillisecond() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        var last = ""
        var seen = Set<String>()
        for _ in 0..<150_000 {
            let id = ContainerID.next(now: now)
            #expect(id.count == 16 && id.allSatisfy { $0.isHexDigit && !$0.isUppercase })
            #expect(id > last, "\(id) after \(last)")
            last = id
            seen.insert(id)
        }
        #expect(seen.count == 150_000)
        // The clock steps back a second: ids still grow.
        let earlier = ContainerID.next(now: now.addingTimeInterval(-1))
        #expect(earlier > last)
        // A later millisecond sorts after everything before it.
        #expect(ContainerID.next(now: now.addingTimeInterval(60)) > earlier)
    }
}
