import Foundation
import Testing

@testable import BerthRuntime

/// A `dir:` image is read-only under each container's own writable layer (overlayfs, upper
/// and work directories in the container's state): containers sharing an image cannot change
/// it for each other; with a read-only root there is no layer at all.
@Suite(.enabled(if: TestRequirements.available(["ip", "busybox"])))
struct RootfsLayerTests {
    @Test func containersSharingAnImageCannotChangeItForEachOther() async throws {
        try await RuntimeFixture.with("layer", tools: ["ip", "busybox"]) { fixture in
            let root = fixture.path("rootfs")
            try BusyboxRootfs.build(at: root)
            let before = try FileManager.default.contentsOfDirectory(atPath: root).sorted()
            let busybox = try Data(contentsOf: URL(fileURLWithPath: root + "/bin/busybox"))

            // The first container writes its root, replaces a binary and deletes another.
            let (writerExit, written) = try await fixture.run("w1", """
                echo mine > /planted && echo planted=$(cat /planted)
                echo evil > /bin/busybox.new && echo replaced=yes
                rm /bin/wc && echo removed=$(test -e /bin/wc && echo no || echo yes)
                """, rootfs: root)
            #expect(writerExit.code == 0, "log: \(fixture.log("w1"))")
            #expect(written["planted"] == "mine", "its own layer is writable")
            #expect(written["removed"] == "yes")
            // What it wrote is in its layer, in its state directory.
            #expect(FileManager.default.fileExists(atPath: "\(fixture.stateDirectory)/w1/rootfs/upper/planted"))

            // The image is as it was, and the next container sees the image, not the writes.
            #expect(try FileManager.default.contentsOfDirectory(atPath: root).sorted() == before)
            #expect(try Data(contentsOf: URL(fileURLWithPath: root + "/bin/busybox")) == busybox)
            #expect(FileManager.default.fileExists(atPath: root + "/bin/wc"))
            let (readerExit, read) = try await fixture.run("r1", """
                echo planted=$(cat /planted 2>&1)
                echo wc=$(test -e /bin/wc && echo present)
                """, rootfs: root)
            #expect(readerExit.code == 0, "log: \(fixture.log("r1"))")
            #expect(read["planted"]?.contains("No such file") == true, "\(read["planted"] ?? "")")
            #expect(read["wc"] == "present")
        }
    }

    @Test func aReadOnlyRootHasNoWritableLayerButATmp() async throws {
        try await RuntimeFixture.with("rolayer", tools: ["ip", "busybox"]) { fixture in
            let root = fixture.path("rootfs")
            try BusyboxRootfs.build(at: root)
            let (exit, seen) = try await fixture.run("ro1", """
                echo root=$(touch /planted 2>&1 || true)
                echo tmp=$(echo ok > /tmp/file && cat /tmp/file)
                echo listing=$(ls / | tr '\\n' ,)
                """, rootfs: root, security: ContainerSecurity(readOnlyRootFilesystem: true))
            #expect(exit.code == 0, "log: \(fixture.log("ro1"))")
            #expect(seen["root"]?.contains("Read-only file system") == true, "\(seen["root"] ?? "")")
            #expect(seen["tmp"] == "ok")
            #expect(seen["listing"] == "bin,dev,etc,proc,tmp,")
            #expect(!FileManager.default.fileExists(atPath: "\(fixture.stateDirectory)/ro1/rootfs/upper"), "no writable layer")
        }
    }
}
