import NIOCore

extension ChunkStore {
    /// Waits, without blocking any thread, until `target` is available in a rendition or
    /// `timeout` passes.
    ///
    /// The returned future is completed on `eventLoop`: at once if the target is there
    /// already (or can never be), otherwise by the publish call that makes it available or
    /// by a timer on `eventLoop` when the deadline passes.
    public func wait(
        for target: WaitTarget, stream: String, rendition: String, timeout: TimeAmount, on eventLoop: any EventLoop
    ) -> EventLoopFuture<WaitOutcome> {
        let promise = eventLoop.makePromise(of: WaitOutcome.self)
        let registration: (id: UInt64, immediate: WaitOutcome?) = self.lock.withLock { _ in
            guard let streamState = self.streams[stream], let state = streamState.rendition(rendition) else {
                return (0, .unavailable)
            }
            if let outcome = state.evaluate(target, streamEnded: streamState.hasEnded) {
                return (0, outcome)
            }
            self.nextWaiterID &+= 1
            state.waiters.append(Waiter(id: self.nextWaiterID, target: target, promise: promise))
            return (self.nextWaiterID, nil)
        }
        if let immediate = registration.immediate {
            promise.succeed(immediate)
            return promise.futureResult
        }
        let deadline = eventLoop.scheduleTask(in: timeout) { [self] in
            // Whoever removes the waiter completes it: the publisher or this timer, once.
            if self.removeWaiter(id: registration.id, stream: stream, rendition: rendition) {
                promise.succeed(.timedOut)
            }
        }
        promise.futureResult.whenComplete { _ in deadline.cancel() }
        return promise.futureResult
    }

    private func removeWaiter(id: UInt64, stream: String, rendition: String) -> Bool {
        self.lock.withLock { _ in
            guard let state = self.streams[stream]?.rendition(rendition),
                  let index = state.waiters.firstIndex(where: { $0.id == id })
            else { return false }
            state.waiters.remove(at: index)
            return true
        }
    }
}
