import Foundation

@testable import BerthRuntime

extension RuntimeFixture {
    /// The host's busybox (static), for scripts on the host's files.
    static var busybox: String { TestRequirements.path(of: "busybox") ?? "/bin/busybox" }

    /// Runs `script` with busybox's sh in a container (on the host's files unless `rootfs`),
    /// waits for its end and returns the `key=value` lines it printed, beside the exit.
    func run(
        _ id: String, _ script: String, rootfs: String? = nil, security: ContainerSecurity = ContainerSecurity()
    ) async throws -> (exit: LinuxContainerExit, seen: [String: String]) {
        var spec = self.spec(
            id, rootfs == nil ? [Self.busybox, "sh", "-c", script] : ["sh", "-c", script],
            environment: ["PATH": rootfs == nil ? "/usr/sbin:/usr/bin:/sbin:/bin" : "/bin", "BB": Self.busybox], rootfs: rootfs)
        spec.security = security
        _ = try await runtime.start(spec)
        let exit = try await self.exit(of: id)
        return (exit, values(in: id))
    }
}
