import NIOCore

/// Starts each connection with a small read buffer, then takes itself out of the pipeline.
///
/// NIO keeps one receive buffer per connection for reuse, sized by the channel's allocator:
/// 2 KiB by default. API requests are a few hundred bytes, and a long-poll connection sits idle
/// for minutes; with ten thousand of them the default cost 15 MB. The allocator is adaptive, so
/// a connection that sends more is given larger buffers after its first full read.
final class ReadBufferSizer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    static let allocator = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65_536)

    func handlerAdded(context: ChannelHandlerContext) {
        if let options = context.channel.syncOptions {
            try? options.setOption(ChannelOptions.recvAllocator, value: Self.allocator)
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
