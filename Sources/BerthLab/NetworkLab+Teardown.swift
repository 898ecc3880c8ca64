import BerthCore
import BerthHarness
import BerthNetwork
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension NetworkLab {
    /// Removes everything of the lab, also what agents left behind, and returns what is still
    /// there (which must be nothing; `leftovers()` says what is checked). In order:
    /// 1. the processes `spawn` started;
    /// 2. every process of the lab: any whose command line names the prefix (agents with
    ///    `--netns`, berth-init monitors and container inits with `--cgroup …/<prefix>-n1/…`),
    ///    and any living in one of the lab's network namespaces (`ip netns pids`);
    /// 3. the lab nodes' cgroups, `/sys/fs/cgroup/*/berth/<prefix>-*` (members killed first,
    ///    then removed depth first);
    /// 4. every namespace whose name starts with the prefix (containers' included).
    /// Safe to call twice, and from `deinit`.
    @discardableResult
    public func teardown() -> [String] {
        let (started, first) = takeProcesses()
        if first { ChildRegistry.shared.onInterrupt(prefix, nil) }
        for child in started { child.killNow() }
        if first || !leftovers().isEmpty {
            killLabProcesses()
            removeCgroups()
            for name in namespacesWithPrefix() { _ = try? runner.run(["ip", "netns", "del", name]) }
            for folder in netnsEtcWithPrefix() { try? FileManager.default.removeItem(atPath: "/etc/netns/" + folder) }
        }
        return leftovers()
    }

    /// What the lab still holds: namespaces with the prefix, links named with it in the root
    /// namespace, cgroups of its nodes, processes naming it, and any address or route of the
    /// lab's ranges in the root namespace (which must never get one, from any lab).
    public func leftovers() -> [String] {
        var left = namespacesWithPrefix().map { "netns \($0)" }
        left += netnsEtcWithPrefix().map { "/etc/netns/\($0)" }
        if let links = try? runner.run(["ip", "-o", "link", "show"]) {
            left += String(decoding: links.stdout, as: UTF8.self).split(separator: "\n").filter { $0.contains(prefix) }.map { "root link \($0)" }
        }
        left += cgroupsWithPrefix().map { "cgroup \($0)" }
        left += processesOfLab().map { "process \($0.pid): \($0.command.prefix(200))" }
        left += Self.rootAddressesInLabRanges().map { "root namespace holds \($0)" }
        if let tables = try? runner.run(["nft", "list", "tables"]) {
            left += String(decoding: tables.stdout, as: UTF8.self).split(separator: "\n").filter { $0.contains(prefix) }.map { "root nft \($0)" }
        }
        return left
    }

    /// The lab's folders in /etc/netns (a node's own resolv.conf, `NetworkLab.setResolver`).
    func netnsEtcWithPrefix() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/etc/netns")) ?? []).filter { $0.hasPrefix(prefix + "-") }.sorted()
    }

    public func namespacesWithPrefix() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? []).filter { $0.hasPrefix(prefix + "-") }.sorted()
    }

    // MARK: Processes

    /// Processes whose command line names the lab (`<prefix>-`), this one excepted.
    func processesOfLab() -> [(pid: pid_t, command: String)] {
        let me = getpid()
        let marker = Array((prefix + "-").utf8)
        var found: [(pid_t, String)] = []
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry), pid != me,
                  let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"), !data.isEmpty else { continue }
            let bytes = [UInt8](data)
            guard Self.contains(bytes, marker) else { continue }
            found.append((pid, String(decoding: bytes.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)))
        }
        return found
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if Array(haystack[start..<(start + needle.count)]) == needle { return true }
        }
        return false
    }

    /// SIGKILL to every process naming the lab and every process in its namespaces, again
    /// while new ones appear (a monitor may fork its init meanwhile), bounded.
    private func killLabProcesses() {
        for _ in 0..<20 {
            var pids = Set(processesOfLab().map(\.pid))
            for namespace in namespacesWithPrefix() {
                guard let output = try? runner.run(["ip", "netns", "pids", namespace]) else { continue }
                for line in String(decoding: output.stdout, as: UTF8.self).split(separator: "\n") {
                    if let pid = pid_t(line) { pids.insert(pid) }
                }
            }
            pids.remove(getpid())
            if pids.isEmpty { return }
            for pid in pids { Glibc.kill(pid, SIGKILL) }
            usleep(20_000)
        }
    }

    // MARK: Cgroups

    /// The roots Berth's cgroups live under: `/sys/fs/cgroup/<hierarchy>/berth` (v1) and
    /// `/sys/fs/cgroup/berth` (v2).
    static func berthCgroupRoots() -> [String] {
        var roots = ["/sys/fs/cgroup/berth"]
        for hierarchy in (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? [] {
            roots.append("/sys/fs/cgroup/\(hierarchy)/berth")
        }
        return roots.filter { isDirectory($0) }
    }

    /// The lab nodes' cgroup scopes (`…/berth/<prefix>-n1`), in every hierarchy.
    public func cgroupsWithPrefix() -> [String] {
        Self.berthCgroupRoots().flatMap { root in
            ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter { $0.hasPrefix(prefix + "-") }.map { "\(root)/\($0)" }
        }.sorted()
    }

    /// Kills the members of the lab's cgroups and removes them, children first; retried while
    /// the kernel still counts exiting members.
    private func removeCgroups() {
        for scope in cgroupsWithPrefix() {
            let deadline = Date().addingTimeInterval(5)
            while isDirectory(scope), Date() < deadline {
                removeTree(scope)
                if isDirectory(scope) { usleep(10_000) }
            }
        }
    }

    private func removeTree(_ directory: String) {
        for child in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where isDirectory("\(directory)/\(child)") {
            removeTree("\(directory)/\(child)")
        }
        let members = (try? String(contentsOfFile: "\(directory)/cgroup.procs", encoding: .utf8)) ?? ""
        for line in members.split(separator: "\n") { if let pid = pid_t(line) { Glibc.kill(pid, SIGKILL) } }
        rmdir(directory)
    }

    // MARK: The root namespace

    /// Addresses and routes of the lab's ranges in the root namespace (`ip -o addr`, `ip route`).
    static func rootAddressesInLabRanges() -> [String] {
        let runner = ToolRunner()
        var found: [String] = []
        for (command, label) in [(["ip", "-o", "-4", "addr", "show"], "address"), (["ip", "-4", "route", "show", "table", "all"], "route")] {
            guard let output = try? runner.run(command) else { continue }
            for line in String(decoding: output.stdout, as: UTF8.self).split(separator: "\n") {
                let words = line.split(separator: " ").map(String.init)
                let hit = words.contains { word in
                    let address = word.split(separator: "/").first.map(String.init) ?? word
                    guard let ip = IPv4Address(address) else { return false }
                    return ranges.contains { $0.contains(ip) }
                }
                if hit { found.append("\(label) \(line)") }
            }
        }
        return found
    }
}

func isDirectory(_ path: String) -> Bool {
    var flag: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &flag) && flag.boolValue
}
