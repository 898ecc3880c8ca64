import BerthStore
import NIOCore
import Synchronization

/// Marks a connection's `Abandonment` when its client goes away — its input closes or the
/// connection drops — so a long-poll parked for it ends, instead of holding its memory and its
/// place in the client's allowance until its `wait` runs out.
final class ClientGoneWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let abandonment = Abandonment()

    /// Each open connection's abandonment, by channel, for its requests' contexts to find.
    private static let open = Mutex<[ObjectIdentifier: Abandonment]>([:])

    static func abandonment(of channel: any Channel) -> Abandonment? {
        open.withLock { $0[ObjectIdentifier(channel)] }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        Self.open.withLock { $0[ObjectIdentifier(context.channel)] = abandonment }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        Self.forget(context.channel)
    }

    func channelInactive(context: ChannelHandlerContext) {
        abandonment.abandon()
        Self.forget(context.channel)
        context.fireChannelInactive()
    }

    private static func forget(_ channel: any Channel) {
        _ = open.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { abandonment.abandon() }
        context.fireUserInboundEventTriggered(event)
    }
}
