import Foundation

extension HostNetworkExecutor {
    /// The objects of table `name` that `keeping` accepts, read without the rest of the table's
    /// set elements: `nft -t -j list table` (chains, rules, set declarations, no elements),
    /// then `nft -j list set|map` for each kept set. One process plus one per kept set.
    ///
    /// Why not one `list table`: the node's sync runs every few seconds and keeps only its own
    /// objects, while the service proxy's maps in the same table hold elements per service; at
    /// 10,000 services the full listing is 1.6 MB of JSON and ~0.35 s of nft's CPU, all of it
    /// skipped. `-t` still has nft fetch every element from the kernel (its cache needs them to
    /// print rules), but not print them: ~1/3 of the CPU. `list set` fetches only that set.
    /// nft 1.0.6 cannot run two `list set` commands in one process (the second fails with "No
    /// such file or directory"), hence a process per set.
    public func readObjects(ofTable name: String, family: String = "ip", keeping: (String) -> Bool) throws(HostNetworkError) -> NFTTable? {
        guard var table = try listTable(name, family: family, terse: true, keeping: keeping) else { return nil }
        for setName in table.sets.keys.sorted() {
            let kind = table.sets[setName]!.isMap ? "map" : "set"
            let command = inNode(["nft", "-j", "list", kind, family, name, setName])
            let output = try runner.run(command)
            if output.status != 0 {
                // Deleted between the two listings (by hand): observed as absent.
                if output.stderr.contains("No such file or directory") { table.sets[setName] = nil; continue }
                throw .commandFailed(command: command.joined(separator: " "), line: nil, status: output.status, stderr: output.stderr)
            }
            do { table.sets[setName] = try NFTJSONParser.parseSet(output.stdout) }
            catch { throw .unreadableOutput(command: command.joined(separator: " "), reason: error.description) }
        }
        return table
    }

    /// `nft -j list table ip NAME` in the node namespace, or nil when there is no such table.
    public func readTable(_ name: String, family: String = "ip", keeping: (String) -> Bool = { _ in true }) throws(HostNetworkError) -> NFTTable? {
        try listTable(name, family: family, terse: false, keeping: keeping)
    }

    /// `nft -j [-t] list table`, parsed; nil when there is no such table.
    func listTable(_ name: String, family: String, terse: Bool, keeping: (String) -> Bool) throws(HostNetworkError) -> NFTTable? {
        let command = inNode(["nft"] + (terse ? ["-t"] : []) + ["-j", "list", "table", family, name])
        let output = try runner.run(command)
        if output.status != 0 {
            if output.stderr.contains("No such file or directory") { return nil }
            throw .commandFailed(command: command.joined(separator: " "), line: nil, status: output.status, stderr: output.stderr)
        }
        do { return try NFTJSONParser.parse(output.stdout, keeping: keeping) }
        catch { throw .unreadableOutput(command: command.joined(separator: " "), reason: error.description) }
    }
}
