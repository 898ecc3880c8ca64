import BerthHarness
import Foundation

/// What the test containers run: busybox's httpd serving the container's id at `/` and, at
/// `/cgi-bin/peer`, the address the request came from (the CGI's REMOTE_ADDR), so a test sees
/// both that it reached the right container and whether anything translated the client's
/// address on the way. Busybox only, so the same command runs on the host's files and in a
/// `dir:` rootfs of busybox-static.
public enum LabWeb {
    public static let port = 8080

    /// The host's busybox (Debian's busybox-static), used on the host's files.
    public static var busybox: String { Tools.find("busybox") ?? "/bin/busybox" }

    /// `sh -c` that lays out /tmp/www and execs httpd in the foreground on `port`. `before`
    /// runs first (its output goes to the container's log).
    public static func command(port: Int = port, busybox: String = LabWeb.busybox, before: String = "") -> [String] {
        let script = """
            \(before)
            mkdir -p /tmp/www/cgi-bin
            echo "$BERTH_CONTAINER_ID" > /tmp/www/index.html
            printf '#!/bin/sh\\nprintf "Content-Type: text/plain\\\\r\\\\n\\\\r\\\\npeer=%%s\\\\n" "$REMOTE_ADDR"\\n' > /tmp/www/cgi-bin/peer
            chmod +x /tmp/www/cgi-bin/peer
            exec \(busybox) httpd -f -p \(port) -h /tmp/www
            """
        return ["/bin/sh", "-c", script]
    }

    /// `[::ffff:198.19.1.2]` (httpd listens on IPv6 too) → `198.19.1.2`.
    public static func plainAddress(_ text: String) -> String {
        var address = text.trimmingCharacters(in: CharacterSet(charactersIn: "[] \n"))
        if address.hasPrefix("::ffff:") { address.removeFirst(7) }
        return address
    }
}
