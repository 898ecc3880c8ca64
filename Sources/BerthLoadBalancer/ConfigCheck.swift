import Foundation

/// How a rendered config is validated before the proxy is told to reload it.
///
/// The built-in checks run the proxy's own parser on the candidate text in a scratch directory,
/// before the real file is touched, so a bad render never replaces a good file. A user's
/// `--check` command runs instead once the file is in place (it usually checks the proxy's whole
/// configuration, which includes ours); if it fails, the previous file is put back.
public enum ConfigCheck: Sendable, Hashable {
    /// Nothing to check with (the proxy binary was not found and no `--check` was given).
    case none
    /// `/bin/sh -c LINE` after the file is written; `BERTH_LB_FILE` holds its path.
    case shell(String)
    /// `nginx -t` on a throwaway nginx.conf that includes the candidate inside `http {}`.
    case nginxFragment(nginx: String)
    /// `haproxy -c -f CANDIDATE`: the rendered HAProxy file is a complete configuration.
    case haproxy(haproxy: String)

    /// Checks the candidate text before it is written; nil when it passes or there is no such check.
    func precheck(_ text: String) async -> HookRunner.Result? {
        switch self {
        case .none, .shell: return nil
        case .nginxFragment(let nginx):
            return await inScratchDirectory { dir in
                try Data(text.utf8).write(to: URL(fileURLWithPath: "\(dir)/berth.conf"))
                try Data(NginxTestConfig.mainConfig(including: "\(dir)/berth.conf", directory: dir).utf8)
                    .write(to: URL(fileURLWithPath: "\(dir)/nginx.conf"))
                return await HookRunner.run(nginx, ["-t", "-q", "-c", "\(dir)/nginx.conf", "-p", "\(dir)/"])
            }
        case .haproxy(let haproxy):
            return await inScratchDirectory { dir in
                try Data(text.utf8).write(to: URL(fileURLWithPath: "\(dir)/berth.cfg"))
                return await HookRunner.run(haproxy, ["-c", "-f", "\(dir)/berth.cfg"])
            }
        }
    }

    private func inScratchDirectory(_ body: (String) async throws -> HookRunner.Result) async -> HookRunner.Result? {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("berth-lb-check-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let result = try await body(dir)
            return result.succeeded ? nil : result
        } catch {
            return HookRunner.Result(status: -1, output: "cannot prepare the check in \(dir): \(error)")
        }
    }
}

/// A minimal, self-contained nginx.conf that includes a rendered fragment in `http {}`, with every
/// path nginx writes (pid, logs, temp files) inside one directory so `nginx -t` runs unprivileged.
public enum NginxTestConfig {
    public static func mainConfig(including fragment: String, directory dir: String) -> String {
        """
        pid \(dir)/nginx.pid;
        error_log \(dir)/error.log;
        events {}
        http {
            access_log off;
            client_body_temp_path \(dir)/client_body;
            proxy_temp_path \(dir)/proxy;
            fastcgi_temp_path \(dir)/fastcgi;
            uwsgi_temp_path \(dir)/uwsgi;
            scgi_temp_path \(dir)/scgi;
            include \(fragment);
        }

        """
    }
}
