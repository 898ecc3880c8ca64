/// How many records of a response fit a size limit, and whether the cut must set TC.
///
/// Records are dropped from the end: additional first, then authority, then answer. Because
/// compression pointers only point back, any prefix of the encoded records is still a valid
/// message, so truncating is cutting bytes. TC is set only when an answer or authority record
/// goes: RFC 2181 9 says a response that merely lacks additional-section data is not truncated
/// (the client can ask for those names itself), while a missing answer must send it to TCP.
struct DNSTruncation {
    /// Records kept, in order (answer, authority, additional).
    var kept: Int
    /// True when the cut reached the answer or authority section.
    var setsTC: Bool

    /// `recordEnds[i]` is the offset just past record i; `sectionsStart` where the first begins;
    /// `budget` the size the records may reach (the limit less anything appended after them).
    init(recordEnds: [Int], sectionsStart: Int, requiredRecords: Int, budget: Int) {
        if (recordEnds.last ?? sectionsStart) <= budget {
            kept = recordEnds.count
            setsTC = false
            return
        }
        // Binary search for the longest prefix that fits (ends only grow).
        var low = 0
        var high = recordEnds.count
        while low < high {
            let middle = (low + high + 1) / 2
            if recordEnds[middle - 1] <= budget { low = middle } else { high = middle - 1 }
        }
        kept = low
        setsTC = low < requiredRecords
    }
}
