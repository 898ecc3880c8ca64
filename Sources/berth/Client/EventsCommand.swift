import ArgumentParser
import BerthClient
import Foundation

/// `berth events`: the change feed, one line per change. With `--follow` it keeps reading from
/// the server's event stream (`/v1/events/stream`) and, if it falls behind the server's
/// retention, says so and follows on from now.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Show the change feed.",
        discussion: "Each line is INDEX KIND NAME OP; with -o json, each line is one event's JSON."
    )

    @OptionGroup var options: ClientOptions
    @OptionGroup var format: OutputOptions

    @Option(help: "Only events after this change index.")
    var after: UInt64 = 0

    @Option(help: "Only events about this kind of object.", completion: .list(["node", "service", "container", "network", "lease", "target", "job"]))
    var kind: String?

    @Flag(name: [.short, .long], help: "Keep following new events.")
    var follow = false

    static let pageSize = 500
    /// How long to wait before following again when the server ended the stream (it is
    /// shutting down): a server that is draining ends new streams at once.
    static let reconnectPause = Duration.seconds(1)

    func run() async throws {
        try await CLI.run(server: options.server) {
            let client = try options.client()
            if follow {
                try await self.follow(client)
            } else {
                try await list(client)
            }
        }
    }

    /// Pages through the feed from `after` to the current index.
    private func list(_ client: BerthClient) async throws {
        var after = self.after
        while true {
            let page = try await client.events(after: after, kind: kind, limit: Self.pageSize)
            if format.output == .json {
                let raw = (try JSONSerialization.jsonObject(with: page.reply.body) as? [String: Any])?["events"] as? [Any] ?? []
                for event in raw { Console.out(try Self.line(json: event)) }
            } else {
                for event in page.value.events { Console.out(Self.line(event)) }
            }
            if page.value.events.count < Self.pageSize { return }
            after = max(after, page.value.next)
        }
    }

    /// Follows the event stream from `after`: the history first, then each change as it is
    /// committed. When the server ends the stream (it is shutting down) the command follows
    /// again from where it stopped, so nothing still kept is lost or shown twice; a server that
    /// cannot be reached ends it.
    private func follow(_ client: BerthClient) async throws {
        var resume: UInt64? = after
        while true {
            do {
                resume = try await client.followEvents(after: resume, kind: kind) { item in
                    guard case .events(_, let events) = item else { return }
                    for event in events { try show(event) }
                }
            } catch let failure as APIFailure where failure.code == "compacted" {
                Console.notice("events after \(resume ?? 0) are no longer kept; following from now, changes in between are not shown")
                resume = nil
                continue
            }
            try await Task.sleep(for: Self.reconnectPause)
        }
    }

    /// One event of the stream, as `list` shows the feed's.
    private func show(_ event: Data) throws {
        if format.output == .json {
            Console.out(try Self.line(json: try JSONSerialization.jsonObject(with: event)))
        } else {
            Console.out(Self.line(try JSONDecoder().decode(EventPage.Event.self, from: event)))
        }
    }

    static func line(_ event: EventPage.Event) -> String {
        "\(event.index) \(event.kind) \(event.name) \(event.op)"
    }

    /// One event's JSON on one line, keys sorted like every other JSON this client prints.
    static func line(json event: Any) throws -> String {
        let line = try JSONSerialization.data(withJSONObject: event, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: line, as: UTF8.self)
    }
}
