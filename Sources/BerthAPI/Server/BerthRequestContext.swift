import BerthCore
import Hummingbird
import NIOCore

/// The per-request context of Berth's router: Hummingbird's core plus who is calling.
///
/// The caller's address and token id key the per-client limits; the identity is set by the
/// authentication middleware before any route runs.
public struct BerthRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address, or "local" for a Unix socket or unknown peer.
    public let remoteAddress: String
    /// The checked token, when the request carried one and tokens are enabled.
    public var identity: TokenAuthenticator.Identity?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress ?? "local"
        identity = nil
    }

    /// The client, as per-client limits count it: its token, else its address.
    public var clientKey: String {
        identity.map { "token:\($0.tokenID)" } ?? "address:\(remoteAddress)"
    }
}
