import ArgumentParser
import BerthClient
import BerthCore
import Foundation

/// `berth token create|ls|revoke`: manages the API's bearer tokens (needs an admin token).
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Create, list and revoke API tokens.",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a token; its secret is printed once, alone on the last line.")

        @OptionGroup var options: ClientOptions
        @Option(help: "admin, reader, or agent.")
        var role: TokenRole
        @Option(help: "The node an agent token acts for.")
        var node: String?
        @Option(help: "A note on what the token is for.")
        var description = ""

        func run() async throws {
            try await CLI.run(server: options.server) {
                let client = try options.client()
                let spec = TokenSpec(role: role, node: node, description: description)
                let reply = try client.checked(try await client.send("POST", "/v1/tokens", body: try JSONEncoder().encode(spec)))
                struct Issued: Decodable { var id: String; var secret: String }
                let issued = try reply.decode(Issued.self)
                Console.notice("created \(role.rawValue) token \(issued.id)\(node.map { " for node \($0)" } ?? ""); the secret is shown only now")
                Console.out(issued.secret)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List tokens (never their secrets).", aliases: ["list"])

        @OptionGroup var options: ClientOptions
        @OptionGroup var format: OutputOptions

        func run() async throws {
            try await CLI.run(server: options.server) {
                let tokens = try await options.client().list(Token.self, "/v1/tokens")
                guard format.output == .table else { return PrettyJSON.print(tokens.reply.body) }
                var table = Table("id", "role", "node", "status", "created", "description")
                for token in tokens.value.items {
                    table.add([
                        token.id, token.role.rawValue, token.node ?? "", token.revokedAt == nil ? "active" : "revoked",
                        token.createdAt.formatted(.iso8601), token.description,
                    ])
                }
                table.print()
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke tokens; they stop working at once.")

        @OptionGroup var options: ClientOptions
        @Argument(help: "The tokens' ids, as `berth token ls` shows them.")
        var ids: [String]

        func run() async throws {
            try await CLI.run(server: options.server) {
                let client = try options.client()
                for id in ids {
                    _ = try await client.delete("tokens", id)
                    Console.out(id)
                }
            }
        }
    }
}

extension TokenRole: ExpressibleByArgument {}
