import BerthCore

/// One page of a list, the change index all of its pages are consistent at, and the token that
/// continues it (nil on the last page).
public struct ListPage<Item: Sendable>: Sendable {
    public var items: [Item]
    public var next: String?
    public var index: UInt64

    public init(items: [Item], next: String?, index: UInt64) {
        self.items = items
        self.next = next
        self.index = index
    }
}

/// What a caller asks of a list: which list (its route and filters, so a token cannot continue
/// another one), how many items, and where to continue.
public struct ListRequest: Sendable {
    /// The most items a page may ask for, and the page size when none is asked.
    public static let maxLimit = 5000
    public static let defaultLimit = 1000

    public var list: String
    public var limit: Int
    public var next: String?

    public init(list: String, limit: Int = ListRequest.defaultLimit, next: String? = nil) {
        self.list = list
        self.limit = limit
        self.next = next
    }
}

/// Where a page ends, in the list's own sort order: the sort key of its last item, as text.
/// Each list knows how to read its own key back (`ListCursor.fields`).
public struct ListCursor: Sendable, Hashable {
    public var key: String

    public init(_ fields: [String]) { key = fields.joined(separator: "|") }

    public var fields: [String] { key.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
}
