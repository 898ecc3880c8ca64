import Foundation

/// The cgroup hierarchies Berth puts containers in, and where: each container gets
/// `<hierarchy>/<parent>/<scope>/<id>` in every hierarchy holding one of the controllers it
/// uses (memory, cpu, cpuacct, pids). On cgroup v2 that is one directory in the unified tree;
/// on v1 one per mounted hierarchy (cpu and cpuacct share one when co-mounted).
///
/// `scope` separates agents (or test runs) sharing a machine, so that one never lists or
/// removes another's containers.
public struct Cgroups: Sendable, Equatable {
    public enum Version: String, Sendable {
        case v1, v2
    }

    /// One mounted hierarchy and the controllers of interest it carries.
    public struct Hierarchy: Sendable, Equatable {
        public var mountPoint: String
        public var controllers: [String]

        public init(mountPoint: String, controllers: [String]) {
            self.mountPoint = mountPoint
            self.controllers = controllers
        }
    }

    /// The controllers Berth limits or accounts with (devices: v1's device allow-list; v2 has
    /// no such controller, so it is never found there).
    public static let controllers = ["memory", "cpu", "cpuacct", "pids", "devices"]

    public let version: Version
    public let hierarchies: [Hierarchy]
    /// The directory under each hierarchy's root that holds all of Berth's cgroups.
    public let parent: String

    public init(version: Version, hierarchies: [Hierarchy], parent: String = "berth") {
        self.version = version
        self.hierarchies = hierarchies
        self.parent = parent
    }

    /// The machine's cgroups: v2 when the unified hierarchy is mounted at /sys/fs/cgroup, else
    /// the v1 hierarchies of the controllers Berth uses, wherever /proc/self/mountinfo has them.
    public static func detect(parent: String = "berth") throws(LinuxRuntimeError) -> Cgroups {
        guard let mountinfo = ControlFile.read("/proc/self/mountinfo") else {
            throw .noCgroups("cannot read /proc/self/mountinfo")
        }
        guard let found = detect(mountinfo: mountinfo, parent: parent, v2Controllers: v2Controllers(at:)) else {
            throw .noCgroups("neither cgroup v2 at /sys/fs/cgroup nor v1 memory, cpu or pids hierarchies are mounted")
        }
        return found
    }

    /// Detection from mountinfo text, separated from the file reads so the rules can be tested
    /// with the layouts of machines this one is not (v2, co-mounted cpu,cpuacct).
    static func detect(mountinfo: String, parent: String, v2Controllers: (String) -> [String]) -> Cgroups? {
        var v1: [Hierarchy] = []
        var unified: [String] = []
        for line in mountinfo.split(separator: "\n") {
            let halves = line.components(separatedBy: " - ")
            guard halves.count == 2 else { continue }
            let fields = halves[0].split(separator: " ")
            let tail = halves[1].split(separator: " ")
            guard fields.count >= 5, tail.count >= 3 else { continue }
            let mountPoint = unescape(String(fields[4]))
            if tail[0] == "cgroup2" {
                unified.append(mountPoint)
            } else if tail[0] == "cgroup", fields[3] == "/" {
                let options = tail[2].split(separator: ",").map(String.init)
                let used = controllers.filter(options.contains)
                if !used.isEmpty, !v1.contains(where: { $0.controllers == used }) {
                    v1.append(Hierarchy(mountPoint: mountPoint, controllers: used))
                }
            }
        }
        if unified.contains("/sys/fs/cgroup") {
            return Cgroups(version: .v2, hierarchies: [Hierarchy(mountPoint: "/sys/fs/cgroup", controllers: v2Controllers("/sys/fs/cgroup"))], parent: parent)
        }
        if !v1.isEmpty { return Cgroups(version: .v1, hierarchies: v1, parent: parent) }
        if let mount = unified.first {
            return Cgroups(version: .v2, hierarchies: [Hierarchy(mountPoint: mount, controllers: v2Controllers(mount))], parent: parent)
        }
        return nil
    }

    /// The controllers a v2 hierarchy's root offers, among those Berth uses.
    public static func v2Controllers(at mountPoint: String) -> [String] {
        let offered = (ControlFile.read(mountPoint + "/cgroup.controllers") ?? "").split(whereSeparator: \.isWhitespace).map(String.init)
        return controllers.filter(offered.contains)
    }

    /// mountinfo escapes space, tab, newline and backslash as octal.
    private static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\040", with: " ").replacingOccurrences(of: "\\011", with: "\t")
            .replacingOccurrences(of: "\\012", with: "\n").replacingOccurrences(of: "\\134", with: "\\")
    }

    /// `<hierarchy>/<parent>/<scope>` in each hierarchy.
    public func scopeDirectories(_ scope: String) -> [String] {
        hierarchies.map { "\($0.mountPoint)/\(parent)/\(scope)" }
    }

    /// The container's directory in each hierarchy: what berth-init joins with `--cgroup`.
    public func directories(scope: String, id: String) -> [String] {
        scopeDirectories(scope).map { "\($0)/\(id)" }
    }

    /// The container's directory in the hierarchy carrying `controller`, if any does.
    public func directory(for controller: String, scope: String, id: String) -> String? {
        guard let hierarchy = hierarchies.first(where: { $0.controllers.contains(controller) }) else { return nil }
        return "\(hierarchy.mountPoint)/\(parent)/\(scope)/\(id)"
    }

    /// The path a process's /proc/PID/cgroup line ends with when it is in the container.
    func relativePath(scope: String, id: String) -> String { "/\(parent)/\(scope)/\(id)" }
}
