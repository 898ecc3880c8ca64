import BerthClient
import BerthTesting
import Foundation
import Testing

/// `berth service create/update` with Docker's security flags (`--cap-add`, `--cap-drop`,
/// `--read-only`, `--user`, `--privileged`, `--security-opt`) against a real `berth serve`:
/// what the server stores, and the server's own 400 for a capability it does not know.
@Suite(.heavy, .serialized) struct CLISecurityTests {
    typealias Cluster = CLITests.Cluster

    static func securityContext(_ cluster: Cluster, _ service: String) async throws -> [String: Any]? {
        let template = try #require(try await cluster.json("/v1/services/\(service)")["template"] as? [String: Any])
        return template["securityContext"] as? [String: Any]
    }

    @Test func createStoresTheSecurityFlags() async throws {
        let cluster = try await Cluster.start()
        let create = try await cluster.berth([
            "service", "create", "ops", "--image", "dir:/srv/ops", "--cap-add", "NET_ADMIN", "--cap-add", "cap_sys_time",
            "--cap-drop", "MKNOD", "--read-only", "--user", "1000:1001", "--privileged",
            "--security-opt", "seccomp=unconfined", "--security-opt", "no-new-privileges=false", "--", "sleep", "60",
        ])
        #expect(create.status == 0, "stderr: \(create.stderr)")
        let context = try #require(try await Self.securityContext(cluster, "ops"))
        #expect(context["capAdd"] as? [String] == ["NET_ADMIN", "CAP_SYS_TIME"])
        #expect(context["capDrop"] as? [String] == ["MKNOD"])
        #expect(context["readOnlyRootFilesystem"] as? Bool == true)
        #expect(context["runAsUser"] as? Int == 1000)
        #expect(context["runAsGroup"] as? Int == 1001)
        #expect(context["privileged"] as? Bool == true)
        #expect(context["seccomp"] as? String == "unconfined")
        #expect(context["noNewPrivileges"] as? Bool == false)

        // No security flag: no securityContext, so the runtime's defaults apply.
        #expect(try await cluster.berth("service", "create", "plain", "--image", "dir:/srv/plain").status == 0)
        #expect(try await Self.securityContext(cluster, "plain") == nil)

        // Only what is given changes; the rest are the defaults.
        #expect(try await cluster.berth("service", "create", "nnp", "--image", "dir:/srv/x", "--security-opt", "no-new-privileges", "--user", "7").status == 0)
        let nnp = try #require(try await Self.securityContext(cluster, "nnp"))
        #expect(nnp["noNewPrivileges"] as? Bool == true)
        #expect(nnp["seccomp"] as? String == "default")
        #expect(nnp["runAsUser"] as? Int == 7)
        #expect(nnp["runAsGroup"] == nil || nnp["runAsGroup"] is NSNull)
        #expect(nnp["privileged"] as? Bool == false)
        await cluster.stop()
    }

    @Test func badSecurityFlagsAreOneLineAndCreateNothing() async throws {
        let cluster = try await Cluster.start()
        // The capability list is the server's: its 400 names the field.
        let refused: [(flags: [String], message: String)] = [
            (["--cap-add", "NET_ADMIN", "--cap-add", "NOT_A_CAP"], "template.securityContext.capAdd[1]: unknown capability: \"NOT_A_CAP\""),
            (["--cap-add", "ALL"], "template.securityContext.capAdd[0]: ALL is only for capDrop"),
            (["--user", "99999999999"], "template.securityContext.runAsUser"),
            (["--security-opt", "apparmor=unconfined"],
             "--security-opt apparmor=unconfined: Berth takes only seccomp=unconfined, seccomp=default, no-new-privileges=true and no-new-privileges=false"),
            (["--security-opt", "seccomp=/etc/profile.json"], "--security-opt seccomp=/etc/profile.json: Berth takes only"),
            (["--user", "nobody"], "--user nobody: give a numeric UID or UID:GID"),
        ]
        for (flags, message) in refused {
            CLITests.expectOneLineFailure(
                try await cluster.berth(["service", "create", "bad", "--image", "x"] + flags), containing: message
            )
        }
        #expect(try await cluster.client.get("/v1/services/bad").status == 404)
        await cluster.stop()
    }

    @Test func updateChangesOnlyTheFlagsGiven() async throws {
        let cluster = try await Cluster.start()
        let create = try await cluster.berth(
            "service", "create", "ops", "--image", "dir:/srv/ops", "--cap-add", "NET_ADMIN", "--cap-drop", "MKNOD", "--read-only", "--user", "1000:1000",
            "--memory", "64"
        )
        #expect(create.status == 0, "stderr: \(create.stderr)")

        // --cap-drop takes a capability out of capAdd, --cap-add out of capDrop (as Docker's update).
        let update = try await cluster.berth(
            "service", "update", "ops", "--cap-drop", "net_admin", "--cap-add", "MKNOD", "--no-read-only", "--security-opt", "seccomp=unconfined"
        )
        #expect(update.status == 0, "stderr: \(update.stderr)")
        let context = try #require(try await Self.securityContext(cluster, "ops"))
        #expect(context["capAdd"] as? [String] == ["MKNOD"])
        #expect(context["capDrop"] as? [String] == ["NET_ADMIN"])
        #expect(context["readOnlyRootFilesystem"] as? Bool == false)
        #expect(context["seccomp"] as? String == "unconfined")
        #expect(context["runAsUser"] as? Int == 1000, "kept")
        #expect(context["runAsGroup"] as? Int == 1000, "kept")
        let template = try #require(try await cluster.json("/v1/services/ops")["template"] as? [String: Any])
        #expect((template["resources"] as? [String: Int])?["memory"] == 64, "kept")

        let back = try await cluster.berth("service", "update", "ops", "--security-opt", "seccomp=default", "--privileged", "--user", "0")
        #expect(back.status == 0, "stderr: \(back.stderr)")
        let after = try #require(try await Self.securityContext(cluster, "ops"))
        #expect(after["seccomp"] as? String == "default")
        #expect(after["privileged"] as? Bool == true)
        #expect(after["runAsUser"] as? Int == 0)
        #expect(after["runAsGroup"] == nil || after["runAsGroup"] is NSNull)

        // A bad value is refused before anything is written; an unknown capability by the server.
        let before = try await cluster.json("/v1/services/ops")["modifyIndex"] as? Int
        CLITests.expectOneLineFailure(
            try await cluster.berth("service", "update", "ops", "--security-opt", "label=disable"),
            containing: "--security-opt label=disable: Berth takes only"
        )
        CLITests.expectOneLineFailure(
            try await cluster.berth("service", "update", "ops", "--cap-add", "SYS_EVERYTHING"),
            containing: "template.securityContext.capAdd[1]: unknown capability"
        )
        #expect(try await cluster.json("/v1/services/ops")["modifyIndex"] as? Int == before, "nothing written")
        await cluster.stop()
    }
}
