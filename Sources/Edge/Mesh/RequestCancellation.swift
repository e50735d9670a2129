#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Lets another thread abort a ``MeshHTTPClient`` request in flight: `cancel()` shuts the
/// request's connection down (a plain socket's `shutdown`, a TLS channel's close), so its
/// blocking read returns at once. The connection is attached only while it is open, so a
/// cancel never reaches a descriptor that was closed and reused.
final class RequestCancellation: Sendable {
    private let state = Mutex<(abort: (@Sendable () -> Void)?, isCancelled: Bool)>((nil, false))

    var isCancelled: Bool { state.withLock { $0.isCancelled } }

    /// Aborts the request (now, or as soon as it opens its connection).
    func cancel() {
        state.withLock { state in
            state.isCancelled = true
            state.abort?()
        }
    }

    /// Attaches the request's socket; false when the request was cancelled already.
    func attach(_ socket: Int32) -> Bool {
        attach { shutdown(socket, Int32(SHUT_RDWR)) }
    }

    /// Attaches how to abort the request's connection; false when it was cancelled already.
    func attach(abort: @escaping @Sendable () -> Void) -> Bool {
        state.withLock { state in
            guard !state.isCancelled else { return false }
            state.abort = abort
            return true
        }
    }

    /// Detaches the connection before it is closed.
    func detach() {
        state.withLock { $0.abort = nil }
    }
}
