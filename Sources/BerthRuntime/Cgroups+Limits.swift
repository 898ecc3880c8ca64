import Glibc

extension Cgroups {
    /// The CFS period: quotas are expressed per 100 ms, so 1 CPU = 100000 µs of quota.
    public static let cpuPeriodMicroseconds = 100_000

    /// Creates the container's cgroups (parents included), writes its limits and restricts its
    /// devices (v1 files, v2 a BPF program). An existing directory is reused, its limits
    /// rewritten and its device program replaced, so a retry after a crash converges.
    public func create(scope: String, id: String, limits: ContainerLimits, privilegedDevices: Bool = false) throws(LinuxRuntimeError) {
        if version == .v2 { try enableControllers(scope: scope) }
        for directory in directories(scope: scope, id: id) {
            try makeDirectories(directory)
        }
        try apply(limits, scope: scope, id: id)
        try restrictDevices(scope: scope, id: id, privileged: privilegedDevices)
    }

    /// Writes the limits into existing cgroups. A limit whose controller is missing is an
    /// error: a container must not run unlimited because a controller was not mounted.
    public func apply(_ limits: ContainerLimits, scope: String, id: String) throws(LinuxRuntimeError) {
        if let memoryMiB = limits.memoryMiB {
            guard let directory = directory(for: "memory", scope: scope, id: id) else { throw .controllerMissing(controller: "memory") }
            let bytes = String(memoryMiB * 1024 * 1024)
            switch version {
            case .v1:
                // memsw must stay >= the memory limit, and both start unlimited: memory first.
                try write(directory, "memory.limit_in_bytes", bytes)
                if ControlFile.exists(directory + "/memory.memsw.limit_in_bytes") {
                    try write(directory, "memory.memsw.limit_in_bytes", bytes)
                }
            case .v2:
                try write(directory, "memory.max", bytes)
                if ControlFile.exists(directory + "/memory.swap.max") { try write(directory, "memory.swap.max", "0") }
            }
        }
        if let directory = directory(for: "cpu", scope: scope, id: id) {
            let period = String(Self.cpuPeriodMicroseconds)
            let quota = limits.cpuMillicores > 0 ? String(limits.cpuMillicores * 100) : nil
            switch version {
            case .v1:
                try write(directory, "cpu.cfs_period_us", period)
                try write(directory, "cpu.cfs_quota_us", quota ?? "-1")
            case .v2:
                try write(directory, "cpu.max", "\(quota ?? "max") \(period)")
            }
        } else if limits.cpuMillicores > 0 {
            throw .controllerMissing(controller: "cpu")
        }
        if let directory = directory(for: "pids", scope: scope, id: id) {
            try write(directory, "pids.max", limits.pidsMax.map(String.init) ?? "max")
        } else if limits.pidsMax != nil {
            throw .controllerMissing(controller: "pids")
        }
    }

    /// On v2 a controller works in a cgroup only if every ancestor lists it in
    /// `cgroup.subtree_control`: enable ours from the root down to the scope.
    private func enableControllers(scope: String) throws(LinuxRuntimeError) {
        for hierarchy in hierarchies {
            var path = hierarchy.mountPoint
            for component in ["", parent, scope] {
                if !component.isEmpty {
                    path += "/" + component
                    try makeDirectories(path)
                }
                let available = (ControlFile.read(path + "/cgroup.controllers") ?? "").split(whereSeparator: \.isWhitespace)
                let enabled = (ControlFile.read(path + "/cgroup.subtree_control") ?? "").split(whereSeparator: \.isWhitespace)
                for controller in hierarchy.controllers
                where available.contains(Substring(controller)) && !enabled.contains(Substring(controller)) {
                    try write(path, "cgroup.subtree_control", "+" + controller)
                }
            }
        }
    }

    /// `mkdir -p`, tried again from the top when a parent vanishes in between (another agent
    /// or test run removing the shared, empty `berth` directory at that moment).
    private func makeDirectories(_ path: String) throws(LinuxRuntimeError) {
        var attempts = 0
        while !ControlFile.isDirectory(path) {
            attempts += 1
            var prefix = ""
            for component in path.split(separator: "/") {
                prefix += "/" + component
                if mkdir(prefix, 0o755) != 0, errno != EEXIST {
                    if errno == ENOENT, attempts < 5 { break }
                    throw .cgroupWrite(path: prefix, reason: String(cString: strerror(errno)))
                }
            }
        }
    }

    private func write(_ directory: String, _ file: String, _ value: String) throws(LinuxRuntimeError) {
        if let reason = ControlFile.write(directory + "/" + file, value) {
            throw .cgroupWrite(path: directory + "/" + file, reason: "\(reason) (value \(value))")
        }
    }
}
