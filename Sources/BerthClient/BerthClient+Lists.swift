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
        var attempts = 0
        while true {
            attempts += 1
            do {
                return try await listOnce(type, path, pageSize: pageSize)
            } catch let error as APIFailure where attempts < 2 && error.code == "expired" {
                continue
            }
        }
    }

    private func listOnce<Item: Decodable & Sendable>(_ type: Item.Type, _ path: String, pageSize: Int?) async throws -> Fetched<ListReply<Item>> {
        let first = APIPath.with(path, [("limit", pageSize.map(String.init))])
        var reply = try checked(try await get(first))
        var page = try reply.decode(ListReply<Item>.self)
        guard page.next != nil else { return Fetched(value: page, reply: reply) }
        let firstReply = reply
        var items = page.items
        var raw = Self.rawItems(reply.body)
        while let next = page.next {
            reply = try checked(try await get(APIPath.with(first, [("next", next)])))
            page = try reply.decode(ListReply<Item>.self)
            items += page.items
            raw += Self.rawItems(reply.body)
        }
        var combined = firstReply
        combined.body = (try? JSONSerialization.data(withJSONObject: ["items": raw, "next": NSNull()])) ?? Data()
        return Fetched(value: ListReply(items: items, next: nil), reply: combined)
    }

    private static func rawItems(_ body: Data) -> [Any] {
        ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any])?["items"] as? [Any] ?? []
    }
}
