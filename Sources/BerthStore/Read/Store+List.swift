import BerthCore
import GRDB

extension Store {
    /// Reads one page of a list, consistent with the pages before it.
    ///
    /// `read` returns up to `limit` items after `cursor` (nil: from the start) in the list's sort
    /// order; `cursor(item)` is an item's sort key. A first page that holds the whole list is a
    /// plain read; a longer list is read from a snapshot kept for its later pages, so every page
    /// reflects the change index of the first (see `ListSessions`).
    public func list<Item: Sendable>(
        _ request: ListRequest,
        cursor: @escaping @Sendable (Item) -> ListCursor,
        read: @escaping @Sendable (StoreReader, _ after: ListCursor?, _ limit: Int) throws -> [Item]
    ) async throws -> ListPage<Item> {
        let limit = min(max(request.limit, 1), ListRequest.maxLimit)
        if let text = request.next {
            let token = try ListToken(parsing: text, list: request.list)
            guard let session = sessions.resume(token.session) else { throw BerthError.listExpired }
            let items = try await session.snapshot.read { db in try read(StoreReader(db), token.cursor, limit + 1) }
            return finish(items, limit: limit, session: token.session, snapshot: session, cursor: cursor)
        }
        let first = try await readDatabase { db in try read(StoreReader(db), nil, limit + 1) }
        guard first.value.count > limit else { return ListPage(items: first.value, next: nil, index: first.index) }
        // More than a page: read it again from a snapshot of its own, kept for the later pages.
        let snapshot = try pool.makeSnapshot()
        let (items, index) = try await snapshot.read { db in (try read(StoreReader(db), nil, limit + 1), try ChangeLog.current(db)) }
        let session = ListSessions.Session(snapshot: snapshot, index: index, list: request.list)
        let id = sessions.open(session)
        return finish(items, limit: limit, session: id, snapshot: session, cursor: cursor)
    }

    private func finish<Item>(
        _ items: [Item], limit: Int, session id: UInt64, snapshot session: ListSessions.Session,
        cursor: (Item) -> ListCursor
    ) -> ListPage<Item> {
        guard items.count > limit else {
            sessions.close(id)
            return ListPage(items: items, next: nil, index: session.index)
        }
        let page = Array(items.prefix(limit))
        let token = ListToken(session: id, list: session.list, cursor: cursor(page[page.count - 1]))
        return ListPage(items: page, next: token.text, index: session.index)
    }
}
