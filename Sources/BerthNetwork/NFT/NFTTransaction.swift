/// One `nft -f` script: applied in one kernel transaction, so it takes effect whole or not at all.
public struct NFTTransaction: Sendable, Hashable {
    public var commands: [String]

    public init(commands: [String] = []) { self.commands = commands }

    public var isEmpty: Bool { commands.isEmpty }
    public var text: String { commands.map { $0 + "\n" }.joined() }
}
