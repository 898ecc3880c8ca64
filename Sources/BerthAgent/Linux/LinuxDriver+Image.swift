import BerthCore
import BerthRuntime
import Foundation

/// The images the linux driver runs, and what the template's security context becomes.
extension LinuxDriver {
    /// The two image forms this driver runs; it pulls nothing.
    enum Image: Equatable {
        /// `dir:/path`: a root filesystem directory on the node, read-only under the
        /// container's own writable layer.
        case directory(String)
        /// `host`: the node's own files (Nomad raw_exec-like), with the agent's secrets hidden.
        case host
    }

    /// The image a template names, or a reason the driver cannot run it.
    static func image(_ name: String, node: String) throws -> Image {
        if name == "host" { return .host }
        guard name.hasPrefix("dir:") else {
            throw DriverError(
                "image \(name): the linux driver runs only dir:/PATH (a root filesystem directory on the node) or host (the node's own files); it pulls no images"
            )
        }
        guard let rootfs = LinuxContainerSpec.rootfs(fromImage: name) else {
            throw DriverError("image \(name): a dir: image names an absolute path, like dir:/srv/rootfs")
        }
        guard !rootfs.contains(where: { $0 == "," || $0 == ":" || $0 == "\\" }) else {
            throw DriverError("image \(name): the path must not contain ',', ':' or '\\' (overlayfs cannot layer it)")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: rootfs, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DriverError("image \(name): rootfs \(rootfs) does not exist on node \(node)")
        }
        return .directory(rootfs)
    }

    /// The runtime's security settings for a template: Docker's defaults changed only as its
    /// `securityContext` says; on the host's files, the agent's secrets hidden.
    func security(_ template: ContainerTemplate, image: Image) -> ContainerSecurity {
        let context = template.securityContext ?? SecurityContext()
        return ContainerSecurity(
            capabilities: context.capabilities, privileged: context.privileged, noNewPrivileges: context.noNewPrivileges,
            seccomp: context.privileged || context.seccomp == .unconfined ? .unconfined : .default,
            readOnlyRootFilesystem: context.readOnlyRootFilesystem,
            user: context.runAsUser.map { UInt32($0) }, group: context.runAsGroup.map { UInt32($0) },
            hiddenPaths: image == .host ? hiddenHostPaths() : []
        )
    }

    /// What a container on the host's files must not see: the agent's whole state directory
    /// (every container's spec, environment, log and layer, the node's resolv.conf source),
    /// the agent's --token-file, and every `*.token` or `*admin-token` file (the server writes
    /// `<db>.admin-token`) beside the token file, beside the state directory, and in the
    /// agent's working directory. Read at each start, so a token written later is hidden too.
    func hiddenHostPaths() -> [String] {
        let state = stateRoot.standardizedFileURL.path
        var paths = [state]
        var folders = [(state as NSString).deletingLastPathComponent, FileManager.default.currentDirectoryPath]
        if let tokenFile {
            let absolute = URL(fileURLWithPath: tokenFile).standardizedFileURL.path
            paths.append(absolute)
            folders.append((absolute as NSString).deletingLastPathComponent)
        }
        for folder in Set(folders) {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            where name.hasSuffix(".token") || name.hasSuffix("admin-token") {
                paths.append(folder + "/" + name)
            }
        }
        var seen = Set<String>()
        return paths.filter { seen.insert($0).inserted }
    }
}
