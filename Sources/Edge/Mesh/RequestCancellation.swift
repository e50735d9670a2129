#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Lets another thread abort a ``MeshHTTPClient`` request in flight: `cancel()` shuts the
/// request's socket down, so its blocking read returns at once. The socket is attached only
/// while it is open, so a cancel never reaches a descriptor that was closed and reused.
final class RequestCancellation: Sendable {
    private let state = Mutex<(socket: Int32?, isCancelled: Bool)>((nil, false))

    var isCancelled: Bool { state.withLock { $0.isCancelled } }

    /// Aborts the request (now, or as soon as it opens its socket).
    func cancel() {
        state.withLock { state in
            state.isCancelled = true
            if let socket = state.socket { shutdown(socket, Int32(SHUT_RDWR)) }
        }
    }

    /// Attaches the request's socket; false when the request was cancelled already.
    func attach(_ socket: Int32) -> Bool {
        state.withLock { state in
            guard !state.isCancelled else { return false }
            state.socket = socket
            return true
        }
    }

    /// Detaches the socket before it is closed.
    func detach() {
        state.withLock { $0.socket = nil }
    }
}
