import NIOCore
import Synchronization

/// Counts open connections against the limit and keeps NIO's for graceful shutdown (the
/// part loops close their own: ``PartLoop``, which are only counted here).
final class ConnectionTracker: Sendable {
    let maxConnections: Int

    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var fastConnections = 0
        var drained: [EventLoopPromise<Void>] = []

        var count: Int { self.channels.count + self.fastConnections }
    }

    private let state = Mutex(State())

    init(maxConnections: Int) {
        self.maxConnections = maxConnections
    }

    var count: Int { self.state.withLock { $0.count } }

    /// Admits a new NIO connection if under the limit, or one a part loop handed over (always:
    /// it moves from the loops' count, so the count never dips in between); it leaves the
    /// count when it closes.
    func admit(_ channel: any Channel, fromPartLoop: Bool = false) -> Bool {
        let key = ObjectIdentifier(channel)
        let admitted = self.state.withLock { state in
            if fromPartLoop {
                state.fastConnections -= 1
            } else if state.count >= self.maxConnections {
                return false
            }
            state.channels[key] = channel
            return true
        }
        guard admitted else { return false }
        channel.closeFuture.whenComplete { _ in
            self.leave { $0.channels.removeValue(forKey: key) }
        }
        return true
    }

    /// Admits a connection to a part loop if under the limit.
    func admitFast() -> Bool {
        self.state.withLock { state in
            guard state.count < self.maxConnections else { return false }
            state.fastConnections += 1
            return true
        }
    }

    /// A part loop's connection closed (or could not be handed to NIO).
    func releaseFast() {
        self.leave { $0.fastConnections -= 1 }
    }

    private func leave(_ change: (inout State) -> Void) {
        let drained: [EventLoopPromise<Void>] = self.state.withLock { state in
            change(&state)
            guard state.count == 0 else { return [] }
            defer { state.drained = [] }
            return state.drained
        }
        for promise in drained { promise.succeed() }
    }

    /// Asks every NIO connection to close once its in-flight request is answered.
    func quiesceAll() {
        for channel in self.state.withLock({ Array($0.channels.values) }) {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
    }

    /// Closes every NIO connection now.
    func closeAll() {
        for channel in self.state.withLock({ Array($0.channels.values) }) {
            channel.close(promise: nil)
        }
    }

    /// Completes when no connection is open.
    func drained(on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        let isEmpty = self.state.withLock { state in
            if state.count == 0 { return true }
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
