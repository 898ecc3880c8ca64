import BerthCore
import BerthStore
import Hummingbird
import NIOCore

/// The per-request context of Berth's router: Hummingbird's core plus who is calling.
///
/// The caller's address keys the per-client limits of callers without a token. Kept small:
/// Hummingbird copies the context into every frame of a request, and a parked long-poll keeps
/// them all.
public struct BerthRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address, or "local" for a Unix socket or unknown peer.
    public let remoteAddress: String
    /// Marked when the client goes away; a parked long-poll then ends.
    public let abandonment: Abandonment?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress ?? "local"
        abandonment = ClientGoneWatcher.abandonment(of: source.channel)
    }
}
