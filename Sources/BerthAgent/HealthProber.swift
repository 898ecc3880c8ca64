import BerthCore
import BerthNetwork
import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// HTTP health checks (`healthCheck: {http, interval, timeout}`): `GET path HTTP/1.0` to the
/// container where its driver says it is reached, healthy on a 2xx or 3xx status line within the
/// timeout. A container in a node's network namespace is probed through a socket made in that
/// namespace (`NamespaceThread`), so the agent itself stays in the root namespace.
final class HealthProber: Sendable {
    private let threads = Mutex<[String: NamespaceThread]>([:])

    func probe(_ target: ProbeTarget, path: String, timeout: Duration) async -> Bool {
        do {
            let fd: Int32
            if let namespace = target.namespace {
                fd = try await thread(for: namespace).socket(domain: AF_INET, type: Int32(SOCK_STREAM.rawValue))
            } else {
                fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
                guard fd >= 0 else { return false }
            }
            return await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    defer { close(fd) }
                    continuation.resume(returning: Self.get(fd, target: target, path: path, timeout: timeout))
                }
            }
        } catch {
            return false
        }
    }

    private func thread(for namespace: String) throws -> NamespaceThread {
        if let thread = threads.withLock({ $0[namespace] }) { return thread }
        let thread = try NamespaceThread(namespace: namespace)
        threads.withLock { $0[namespace] = $0[namespace] ?? thread }
        return threads.withLock { $0[namespace]! }
    }

    /// Connects, sends the request and reads the status line, each step bounded by what is left
    /// of `timeout`.
    static func get(_ fd: Int32, target: ProbeTarget, path: String, timeout: Duration) -> Bool {
        let deadline = DispatchTime.now().uptimeNanoseconds + timeout.saturatingNanoseconds
        func left() -> Int32 {
            let now = DispatchTime.now().uptimeNanoseconds
            return now >= deadline ? 0 : Int32(min(Int64(Int32.max), Int64((deadline - now) / 1_000_000)))
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(clamping: target.port)).bigEndian
        guard inet_pton(AF_INET, target.address, &address.sin_addr) == 1 else { return false }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if connected != 0 {
            guard errno == EINPROGRESS, wait(fd, for: Int16(POLLOUT), ms: left()) else { return false }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0, error == 0 else { return false }
        }
        let request = Array("GET \(path) HTTP/1.0\r\nHost: \(target.address):\(target.port)\r\nUser-Agent: berth-agent\r\n\r\n".utf8)
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 { sent += n; continue }
            guard n < 0, errno == EAGAIN, wait(fd, for: Int16(POLLOUT), ms: left()) else { return false }
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 256)
        while response.count < 12 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { response += buffer[..<n]; continue }
            guard n < 0, errno == EAGAIN, wait(fd, for: Int16(POLLIN), ms: left()) else { break }
        }
        // "HTTP/1.x 2xx" or 3xx.
        guard response.count >= 12, response.starts(with: Array("HTTP/1.".utf8)) else { return false }
        return response[9] == UInt8(ascii: "2") || response[9] == UInt8(ascii: "3")
    }

    private static func wait(_ fd: Int32, for events: Int16, ms: Int32) -> Bool {
        guard ms > 0 else { return false }
        var entry = pollfd(fd: fd, events: events, revents: 0)
        return poll(&entry, 1, ms) == 1 && entry.revents & events != 0
    }
}
