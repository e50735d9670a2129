import NIOSSL
import Synchronization

/// The TLS context the mesh client checks `https://` peers with (``TLSSetup/clientContext(_:configFile:)``),
/// shared by every puller and replaced by a reload: the next request uses the new trust roots.
final class MeshClientTLS: Sendable {
    private let context: Mutex<NIOSSLContext>

    init(_ context: NIOSSLContext) {
        self.context = Mutex(context)
    }

    var current: NIOSSLContext { context.withLock { $0 } }

    func replace(_ next: NIOSSLContext) {
        context.withLock { $0 = next }
    }
}
