import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The nftables ruleset generation of a network namespace: a counter the kernel bumps on every
/// committed transaction, whoever sends it (`NFT_MSG_GETGEN` over netfilter netlink, what `nft`
/// itself asks before using its cache).
///
/// It lets the service proxy's periodic check skip reading its table when nothing in the
/// namespace changed since the table was last known to match the plan: at 10,000 services the
/// read is megabytes of JSON and a third of a CPU-second of nft, while this is one netlink
/// round trip. Any change anywhere (a hand edit, the node's own sync, another program's rules)
/// moves the counter, and the next check reads and compares everything as before.
public final class NFTGeneration: Sendable {
    private let socket: Mutex<Int32>

    /// A netfilter netlink socket made inside `/run/netns/NAME` (nil: the caller's namespace).
    public init(namespace: String?) throws(HostNetworkError) {
        let fd = try Self.netlinkSocket(namespace: namespace)
        socket = Mutex(fd)
    }

    deinit { socket.withLock { _ = close($0) } }

    /// The current generation.
    public func current() throws(HostNetworkError) -> UInt32 {
        let result: Result<UInt32, HostNetworkError> = socket.withLock { fd in
            do throws(HostNetworkError) { return .success(try Self.ask(fd)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    // MARK: Netlink

    static let netlinkNetfilter: Int32 = 12
    /// `NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETGEN`, and the reply's `… | NFT_MSG_NEWGEN`.
    static let getGeneration: UInt16 = 10 << 8 | 16
    static let newGeneration: UInt16 = 10 << 8 | 15
    static let attributeGenerationID: UInt16 = 1

    private static func ask(_ fd: Int32) throws(HostNetworkError) -> UInt32 {
        // nlmsghdr (len, type, flags, seq, pid) + nfgenmsg (family AF_UNSPEC, NFNETLINK_V0, res_id 0).
        var request = [UInt8](repeating: 0, count: 20)
        put32(&request, 0, 20)
        put16(&request, 4, getGeneration)
        put16(&request, 6, 1)  // NLM_F_REQUEST
        let seq = UInt32.random(in: 1...UInt32.max)
        put32(&request, 8, seq)
        // sockaddr_nl (family, pad, pid 0 = the kernel, groups 0): Glibc's module does not export it.
        var kernel = [UInt8](repeating: 0, count: 12)
        put16(&kernel, 0, UInt16(AF_NETLINK))
        let sent = kernel.withUnsafeBytes { address in
            sendto(fd, request, request.count, 0, address.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(12))
        }
        guard sent == request.count else { throw failure("send") }
        var buffer = [UInt8](repeating: 0, count: 8192)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n < 0 && errno == EINTR { continue }
            guard n >= 16 else { throw failure("recv") }
            var offset = 0
            while offset + 16 <= n {
                let length = Int(get32(buffer, offset))
                let type = get16(buffer, offset + 4)
                guard length >= 16, offset + length <= n else { break }
                if get32(buffer, offset + 8) == seq {
                    if type == 2 {  // NLMSG_ERROR
                        let code = Int32(bitPattern: get32(buffer, offset + 16))
                        throw .commandFailed(command: "netlink NFT_MSG_GETGEN", line: nil, status: -code, stderr: String(cString: strerror(-code)))
                    }
                    if type == newGeneration {
                        var attribute = offset + 20
                        while attribute + 4 <= offset + length {
                            let size = Int(get16(buffer, attribute))
                            guard size >= 4 else { break }
                            if get16(buffer, attribute + 2) & 0x3fff == attributeGenerationID, size >= 8 {
                                return UInt32(bigEndian: get32(buffer, attribute + 4))
                            }
                            attribute += (size + 3) & ~3
                        }
                        throw .unreadableOutput(command: "netlink NFT_MSG_GETGEN", reason: "no generation id in the reply")
                    }
                }
                offset += (length + 3) & ~3
            }
        }
    }

    private static func failure(_ what: String) -> HostNetworkError {
        .commandFailed(command: "netlink \(what)", line: nil, status: errno, stderr: String(cString: strerror(errno)))
    }

    /// The socket, made on a short-lived thread that enters the namespace (`setns` changes only
    /// the calling thread's, and a socket stays in the namespace it was made in).
    private static func netlinkSocket(namespace: String?) throws(HostNetworkError) -> Int32 {
        guard let namespace else { return try open() }
        let made = Mutex<Result<Int32, HostNetworkError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            defer { done.signal() }
            let path = "/run/netns/" + namespace
            let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0, NamespaceThread.enterNetwork(fd) == 0 else {
                if fd >= 0 { close(fd) }
                made.withLock { $0 = .failure(.commandFailed(command: "setns \(path)", line: nil, status: errno, stderr: String(cString: strerror(errno)))) }
                return
            }
            close(fd)
            let result: Result<Int32, HostNetworkError>
            do throws(HostNetworkError) { result = .success(try open()) } catch { result = .failure(error) }
            made.withLock { $0 = result }
        }
        thread.start()
        done.wait()
        return try made.withLock { $0! }.get()
    }

    private static func open() throws(HostNetworkError) -> Int32 {
        let fd = Glibc.socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), netlinkNetfilter)
        guard fd >= 0 else { throw failure("socket") }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    private static func put16(_ bytes: inout [UInt8], _ at: Int, _ value: UInt16) {
        withUnsafeBytes(of: value.littleEndian) { for i in 0..<2 { bytes[at + i] = $0[i] } }
    }

    private static func put32(_ bytes: inout [UInt8], _ at: Int, _ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { for i in 0..<4 { bytes[at + i] = $0[i] } }
    }

    private static func get16(_ bytes: [UInt8], _ at: Int) -> UInt16 { UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 }

    /// Host order (little-endian on every machine Berth runs on); the generation id itself is
    /// big-endian on the wire, hence `bigEndian:` at its read.
    private static func get32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }
}
