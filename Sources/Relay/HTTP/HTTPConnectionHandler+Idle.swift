import NIOCore

/// The idle timeout: a connection that sends nothing for
/// ``HTTPServerConfiguration/idleTimeoutSeconds`` is closed when it is between requests or
/// stuck behind a client that stopped reading.
extension HTTPConnectionHandler {
    // The timer lives here rather than in NIO's IdleStateHandler: that handler was one more
    // hop for every read, write and flush, and a clock read per read, to arm one timer.

    func startIdleTimer(context: ChannelHandlerContext) {
        guard self.idleCheck == nil else { return }
        self.lastReadNanoseconds = NIODeadline.now().uptimeNanoseconds
        self.scheduleIdleCheck(context: context, inNanoseconds: self.idleTimeoutNanoseconds)
    }

    private var idleTimeoutNanoseconds: Int64 { Int64(self.server.configuration.idleTimeoutSeconds * 1e9) }

    private func scheduleIdleCheck(context: ChannelHandlerContext, inNanoseconds delay: Int64) {
        self.idleCheck = context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(max(delay, 1))) {
            self.idleCheckFired(context: context)
        }
    }

    /// Nothing read for the whole timeout: closes a connection idle between requests or
    /// stuck behind a client that stopped reading; otherwise checks again a timeout later.
    private func idleCheckFired(context: ChannelHandlerContext) {
        guard self.isActive else { return }
        let timeout = self.idleTimeoutNanoseconds
        let idle = Int64(clamping: NIODeadline.now().uptimeNanoseconds &- self.lastReadNanoseconds)
        if idle < timeout { return self.scheduleIdleCheck(context: context, inNanoseconds: timeout - idle) }
        if !self.inFlight || self.awaitingWritability {
            self.idleCheck = nil
            context.close(promise: nil)
        } else {
            self.scheduleIdleCheck(context: context, inNanoseconds: timeout)
        }
    }
}
