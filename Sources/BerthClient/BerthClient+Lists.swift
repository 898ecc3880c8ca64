import BerthCore
import Foundation

extension BerthClient {
    /// Every item of a list, page by page: asks for `path` and follows each page's `next` until
    /// the last. Every page reflects the first page's change index (the server keeps the list's
    /// snapshot while it is read), so the whole is one consistent list at `index`. A list whose
    /// snapshot expired between pages (410) is read again from the start, once.
    ///
    /// The reply carries the first page's headers and a body of all the items,
    /// `{"items":[…],"next":null}`, for commands that print the server's JSON.
    public func list<Item: Decodable & Sendable>(_ type: Item.Type, _ path: String, pageSize: Int? = nil) async throws -> Fetched<ListReply<Item>> {
        try await retryingExpired { () async throws -> Fetched<ListReply<Item>> in
            var raw: [Any] = []
            let (items, first, pages) = try await pages(type, path, pageSize: pageSize) { raw += Self.rawItems($0.body) }
            guard pages > 1 else { return Fetched(value: ListReply(items: items, next: nil), reply: first) }
            var combined = first
            combined.body = (try? JSONSerialization.data(withJSONObject: ["items": raw, "next": NSNull()])) ?? Data()
            return Fetched(value: ListReply(items: items, next: nil), reply: combined)
        }
    }

    /// Every item of a list and the change index it is consistent at, as `list` reads them but
    /// keeping no JSON: for an agent that follows the list from `index` and prints nothing. At
    /// 10,000 services, `list`'s combined body (every page parsed again into Foundation objects
    /// and written out as one) costs more memory and CPU than decoding the items.
    public func listItems<Item: Decodable & Sendable>(_ type: Item.Type, _ path: String, pageSize: Int? = nil) async throws -> (items: [Item], index: UInt64) {
        try await retryingExpired { () async throws -> (items: [Item], index: UInt64) in
            let (items, first, _) = try await pages(type, path, pageSize: pageSize) { _ in }
            return (items, first.index ?? 0)
        }
    }

    private func retryingExpired<T>(_ body: () async throws -> T) async throws -> T {
        var attempts = 0
        while true {
            attempts += 1
            do {
                return try await body()
            } catch let error as APIFailure where attempts < 2 && error.code == "expired" {
                continue
            }
        }
    }

    /// Reads every page, handing each reply to `page` before decoding the next: the items, the
    /// first page's reply and the number of pages.
    private func pages<Item: Decodable & Sendable>(
        _ type: Item.Type, _ path: String, pageSize: Int?, page each: (Reply) -> Void
    ) async throws -> (items: [Item], first: Reply, pages: Int) {
        let first = APIPath.with(path, [("limit", pageSize.map(String.init))])
        let firstReply = try checked(try await get(first))
        var page = try firstReply.decode(ListReply<Item>.self)
        var items = page.items, pages = 1
        guard page.next != nil else { return (items, firstReply, pages) }
        each(firstReply)
        while let next = page.next {
            let reply = try checked(try await get(APIPath.with(first, [("next", next)])))
            page = try reply.decode(ListReply<Item>.self)
            items += page.items
            pages += 1
            each(reply)
        }
        return (items, firstReply, pages)
    }

    private static func rawItems(_ body: Data) -> [Any] {
        ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any])?["items"] as? [Any] ?? []
    }
}
