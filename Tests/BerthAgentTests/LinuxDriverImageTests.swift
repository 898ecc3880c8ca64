import BerthTesting
import Foundation
import Testing

@testable import BerthAgent

/// Which images the linux driver runs, and the reason a container gets for one it does not:
/// the driver pulls nothing, so anything but `host` or an existing `dir:` rootfs fails at once
/// with words that say what it does run.
@Suite struct LinuxDriverImageTests {
    @Test func hostAndAnExistingDirectoryAreRun() throws {
        let folder = try TemporaryFolder(prefix: "berth-image")
        defer { folder.remove() }
        #expect(try LinuxDriver.image("host", node: "n1") == .host)
        #expect(try LinuxDriver.image("dir:\(folder.path)", node: "n1") == .directory(folder.path))
    }

    @Test(arguments: [
        ("nginx:1.27", "runs only dir:/PATH"),
        ("docker.io/library/busybox", "it pulls no images"),
        ("dir:srv/rootfs", "names an absolute path"),
        ("dir:/srv/a:b", "must not contain"),
        ("dir:/srv/a,b", "must not contain"),
    ])
    func otherImagesFailWithAReason(image: String, reason: String) {
        #expect { try LinuxDriver.image(image, node: "n1") } throws: { error in
            "\(error)".contains(reason) && "\(error)".contains(image)
        }
    }

    @Test func aMissingRootfsNamesTheNode() throws {
        let folder = try TemporaryFolder(prefix: "berth-image")
        folder.remove()
        #expect { try LinuxDriver.image("dir:\(folder.path)", node: "n7") } throws: { error in
            "\(error)".contains("does not exist on node n7")
        }
        // A file is not a rootfs either.
        let file = try TemporaryFolder(prefix: "berth-image")
        defer { file.remove() }
        try #require(FileManager.default.createFile(atPath: file.file("rootfs"), contents: Data()))
        #expect { try LinuxDriver.image("dir:\(file.file("rootfs"))", node: "n7") } throws: { error in
            "\(error)".contains("does not exist on node n7")
        }
    }
}
