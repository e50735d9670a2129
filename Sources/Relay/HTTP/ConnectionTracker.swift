import NIOCore
import Synchronization

/// Counts open connections against the limit and keeps them for graceful shutdown.
final class ConnectionTracker: Sendable {
    let maxConnections: Int

    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var drained: [EventLoopPromise<Void>] = []
    }

    private let state = Mutex(State())

    init(maxConnections: Int) {
        self.maxConnections = maxConnections
    }

    var count: Int { self.state.withLock { $0.channels.count } }

    /// Admits a new connection if under the limit; it leaves the count when it closes.
    func admit(_ channel: any Channel) -> Bool {
        let key = ObjectIdentifier(channel)
        let admitted = self.state.withLock { state in
            guard state.channels.count < self.maxConnections else { return false }
            state.channels[key] = channel
            return true
        }
        guard admitted else { return false }
        channel.closeFuture.whenComplete { _ in
            let drained: [EventLoopPromise<Void>] = self.state.withLock { state in
                state.channels.removeValue(forKey: key)
                guard state.channels.isEmpty else { return [] }
                defer { state.drained = [] }
                return state.drained
            }
            for promise in drained { promise.succeed() }
        }
        return true
    }

    /// Asks every connection to close once its in-flight request is answered.
    func quiesceAll() {
        for channel in self.state.withLock({ Array($0.channels.values) }) {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
    }

    /// Closes every connection now.
    func closeAll() {
        for channel in self.state.withLock({ Array($0.channels.values) }) {
            channel.close(promise: nil)
        }
    }

    /// Completes when no connection is open.
    func drained(on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        let isEmpty = self.state.withLock { state in
            if state.channels.isEmpty { return true }
            state.drained.append(promise)
            return false
        }
        if isEmpty { promise.succeed() }
        return promise.futureResult
    }
}

/// Installed instead of the HTTP pipeline on a connection over the limit: answers 503 and
/// closes, so a client sees why rather than a bare reset.
final class RejectConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private static let response =
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\ncontent-length: 21\r\nconnection: close\r\n\r\ntoo many connections\n"

    func channelActive(context: ChannelHandlerContext) {
        let buffer = context.channel.allocator.buffer(string: Self.response)
        context.writeAndFlush(self.wrapOutboundOut(buffer)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Discard: the connection is closing.
    }
}
