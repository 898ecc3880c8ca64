import ArgumentParser
import BerthClient
import Foundation

/// `berth events`: the change feed, one line per change. With `--follow` it keeps reading with
/// long-polls and, if it falls behind the server's retention, says so and resumes from now.
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

    @Option(help: "Only events about this kind of object.", completion: .list(["node", "service", "container", "network", "lease", "target"]))
    var kind: String?

    @Flag(name: [.short, .long], help: "Keep following new events.")
    var follow = false

    static let pageSize = 500
    static let followWait = Duration.seconds(60)

    func run() async throws {
        try await CLI.run(server: options.server) {
            let client = try options.client()
            var after = self.after
            while true {
                let page: Fetched<EventPage>
                do {
                    page = try await client.events(after: after, kind: kind, limit: Self.pageSize, wait: follow ? Self.followWait : nil)
                } catch let failure as APIFailure where failure.code == "compacted" && follow {
                    let now = try await client.nodes().index
                    Console.notice("events after \(after) are no longer kept; resuming from index \(now), changes in between are not shown")
                    after = now
                    continue
                }
                try show(page)
                if !follow, page.value.events.count < Self.pageSize { return }
                after = max(after, page.value.next)
            }
        }
    }

    private func show(_ page: Fetched<EventPage>) throws {
        guard format.output == .json else {
            for event in page.value.events { Console.out("\(event.index) \(event.kind) \(event.name) \(event.op)") }
            return
        }
        // One compact line per event, keys sorted like every other JSON this client prints.
        let raw = (try JSONSerialization.jsonObject(with: page.reply.body) as? [String: Any])?["events"] as? [Any] ?? []
        for event in raw {
            let line = try JSONSerialization.data(withJSONObject: event, options: [.sortedKeys, .withoutEscapingSlashes])
            Console.out(String(decoding: line, as: UTF8.self))
        }
    }
}
