import NIOCore

/// A request parked in the store until its target appears or its deadline passes.
struct Waiter {
    let id: UInt64
    let target: WaitTarget
    let promise: EventLoopPromise<WaitOutcome>
}
