import Foundation
import Logging
import Relay
import ServiceLifecycle

/// The edge node as a swift-service-lifecycle `Service`: starts the listener and the streams,
/// tells systemd it is ready, refreshes metrics and pings the watchdog every second, and on
/// graceful shutdown (SIGTERM/SIGINT) drains before returning.
public struct EdgeService: Service {
    public let node: EdgeNode
    private let notifier: SystemdNotifier
    private let logger: Logger
    private let onListening: @Sendable (Int) -> Void

    public init(node: EdgeNode, notifier: SystemdNotifier = SystemdNotifier(), logger: Logger,
                onListening: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.node = node
        self.notifier = notifier
        self.logger = logger
        self.onListening = onListening
    }

    public func run() async throws {
        let node = self.node
        node.setAdminHandler { request, eventLoop in AdminAPI.handle(request, node: node, eventLoop: eventLoop) }
        let port = try await node.start()
        onListening(port)
        notifier.notify("READY=1\nSTATUS=serving \(node.configuration.streams.count) stream(s) on port \(port)")

        let notifier = self.notifier
        // Ticks until graceful shutdown; the watchdog is pinged at least twice per interval.
        let tick = min(1.0, (notifier.watchdogIntervalSeconds ?? 2) / 2)
        await cancelWhenGracefulShutdownIgnoringErrors {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(tick))
                node.refreshMetrics()
                let waiting = node.streamsNotReady
                notifier.notify("WATCHDOG=1\nSTATUS=" + (waiting.isEmpty ? "all streams producing" : "waiting for: \(waiting.joined(separator: ", "))"))
            }
        }
        logger.info("shutting down: finishing open segments")
        notifier.notify("STOPPING=1\nSTATUS=draining")
        await node.shutdown()
        logger.info("stopped")
    }

    private func cancelWhenGracefulShutdownIgnoringErrors(_ body: @escaping @Sendable () async -> Void) async {
        _ = try? await cancelWhenGracefulShutdown { await body() }
    }
}
