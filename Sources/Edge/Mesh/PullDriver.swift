import Foundation
import Logging
import Mesh
import Relay

/// Runs one generation of a relayed stream's ``PullScheduler`` on a thread of its own: the
/// index polls and chunk downloads post ``PullEvent``s with the time they happened, the
/// scheduler decides, and the driver carries its ``PullAction``s out — downloads started
/// and cancelled, verified chunks handed to the ``PartPublisher`` in order, demotions
/// counted and logged. Every timing rule (silence, hedging, backoff) is the scheduler's;
/// the driver only wakes it when an event arrives or its next timer is due.
final class PullDriver: @unchecked Sendable {
    /// What the driver needs of the puller that owns it.
    struct Context: Sendable {
        var stream: String
        var nodeID: String
        var verifier: IndexVerifier
        var authenticator: MeshAuthenticator
        /// How `https://` upstreams are checked.
        var tls: MeshClientTLS
        var metrics: MeshMetrics
        var logger: Logger
        /// Called (on the driver thread) when the scheduler demotes an upstream.
        var onDemoted: @Sendable (UpstreamID) -> Void
        /// Called (on the driver thread) when the stream has a hole it cannot fill.
        var onGap: @Sendable (String) -> Void
    }

    private struct DownloadKey: Hashable {
        var chunk: ChunkID
        var upstream: UpstreamID
    }

    // Everything below is guarded by `condition`.
    private let condition = NSCondition()
    private var scheduler: PullScheduler
    private var queue: [(event: PullEvent, atSeconds: Double)] = []
    private var signedEntries: [ChunkID: SignedIndexEntry] = [:]
    private var downloads: [DownloadKey: RequestCancellation] = [:]
    private var delivered: [DownloadKey: [UInt8]] = [:]
    private var endpoints: [UpstreamID: MeshHTTPClient.Endpoint] = [:]
    private var initialised: Set<String> = []
    private var stoppedRenditions: Set<String> = []
    private var stopped = false

    private let context: Context
    private let publisher: PartPublisher

    init(context: Context, publisher: PartPublisher, configuration: PullSchedulerConfiguration) {
        self.context = context
        self.publisher = publisher
        scheduler = PullScheduler(configuration: configuration)
    }

    /// The driver's clock: monotonic seconds.
    static func now() -> Double { ProcessInfo.processInfo.systemUptime }

    /// Starts the driver thread.
    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "mesh-\(context.stream)-driver"
        thread.start()
    }

    /// Ends the driver: every download is cancelled, no more parts are published.
    func stop() {
        condition.lock()
        stopped = true
        let cancellations = Array(downloads.values)
        downloads = [:]
        condition.signal()
        condition.unlock()
        for cancellation in cancellations { cancellation.cancel() }
    }

    /// What all usable upstreams together are measured to deliver, in bytes per second; nil
    /// before any measurement.
    func aggregateThroughputEstimate() -> Double? {
        condition.lock()
        defer { condition.unlock() }
        let total = scheduler.predictedAggregateThroughputBytesPerSecond
        return total > 0 ? total : nil
    }

    private func isStopped(_ rendition: String) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return stoppedRenditions.contains(rendition)
    }

    var isRunning: Bool {
        condition.lock()
        defer { condition.unlock() }
        return !stopped
    }

    // MARK: Events in

    /// An upstream became eligible; chunk requests to it go to `endpoint`.
    func addUpstream(_ id: UpstreamID, endpoint: MeshHTTPClient.Endpoint) {
        condition.lock()
        endpoints[id] = endpoint
        condition.unlock()
        post(.upstreamAdded(id))
    }

    /// An upstream is no longer eligible (down, demoted, or would form a loop).
    func removeUpstream(_ id: UpstreamID) { post(.upstreamRemoved(id)) }

    /// Nobody reads the rendition any more: its chunks are forgotten, their requests
    /// cancelled, and index entries still arriving for it are ignored until it resumes.
    func stopRendition(_ rendition: String) {
        condition.lock()
        stoppedRenditions.insert(rendition)
        condition.unlock()
        publisher.reset(rendition)
        post(.renditionStopped(stream: context.stream, rendition: rendition))
    }

    /// The rendition is read again: its index entries count once more.
    func resumeRendition(_ rendition: String) {
        condition.lock()
        stoppedRenditions.remove(rendition)
        condition.unlock()
    }

    /// An index entry whose origin signature verified, from `upstream`'s index.
    func indexed(_ signed: SignedIndexEntry, from upstream: UpstreamID) {
        // One critical section, so the publisher sees index entries in the scheduler's order.
        condition.lock()
        defer { condition.unlock() }
        guard !stopped, !stoppedRenditions.contains(signed.entry.id.rendition) else { return }
        if signedEntries[signed.entry.id] == nil { signedEntries[signed.entry.id] = signed }
        publisher.noteIndexed(signed.entry.id)
        queue.append((.indexEntryAvailable(signed.entry, from: upstream), Self.now()))
        condition.signal()
    }

    /// True until the rendition's init section is in the store.
    func needsInit(_ rendition: String) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return !initialised.contains(rendition)
    }

    func initDone(_ rendition: String) {
        condition.lock()
        initialised.insert(rendition)
        condition.unlock()
    }

    private func post(_ event: PullEvent) {
        condition.lock()
        if !stopped {
            queue.append((event, Self.now()))
            condition.signal()
        }
        condition.unlock()
    }

    // MARK: The loop

    private func run() {
        var lastWasTick = false
        while true {
            condition.lock()
            while queue.isEmpty && !stopped {
                guard let wake = scheduler.nextWakeSeconds else {
                    condition.wait()
                    continue
                }
                // A timer already past that a tick did not clear (say, a backoff ended while
                // every upstream is at its request limit) is polled, not spun on.
                let remaining = max(wake - Self.now(), lastWasTick ? 0.005 : 0)
                if remaining <= 0 || !condition.wait(until: Date(timeIntervalSinceNow: remaining)) { break }
            }
            if stopped {
                condition.unlock()
                return
            }
            let events = queue.isEmpty ? [(PullEvent.tick, Self.now())] : queue
            lastWasTick = queue.isEmpty
            queue = []
            var actions: [PullAction] = []
            for (event, time) in events { actions += scheduler.handle(event, at: time) }
            condition.unlock()
            for action in actions { perform(action) }
        }
    }

    private func perform(_ action: PullAction) {
        switch action {
        case .request(let chunk, let upstream), .hedge(let chunk, let upstream):
            download(chunk, from: upstream)
        case .cancel(let chunk, let upstream):
            condition.lock()
            let key = DownloadKey(chunk: chunk, upstream: upstream)
            let cancellation = downloads.removeValue(forKey: key)
            delivered[key] = nil
            condition.unlock()
            cancellation?.cancel()
        case .store(let chunk, let upstream):
            condition.lock()
            let bytes = delivered.removeValue(forKey: DownloadKey(chunk: chunk, upstream: upstream))
            let signed = signedEntries.removeValue(forKey: chunk)
            condition.unlock()
            guard let bytes, let signed, !isStopped(signed.entry.id.rendition) else { return }
            context.metrics.chunksPulled.labels(context.stream).increment()
            if let why = publisher.deliver(signed, bytes: bytes) { context.onGap(why) }
        case .abandon(let chunk):
            condition.lock()
            signedEntries[chunk] = nil
            condition.unlock()
            if let why = publisher.abandon(chunk) { context.onGap(why) }
        case .demote(let upstream, let reason):
            context.metrics.demotions.labels(upstream.nodeID).increment()
            context.logger.error("upstream \(upstream) demoted for \(context.stream): \(reason)")
            context.onDemoted(upstream)
        case .log(let record):
            switch record.level {
            case .info: context.logger.info("\(record.message)")
            case .warning: context.logger.warning("\(record.message)")
            }
        }
    }

    /// Fetches a chunk on a thread of its own, reporting progress, completion (verified
    /// against the signed entry) or failure as events.
    private func download(_ chunk: ChunkID, from upstream: UpstreamID) {
        let cancellation = RequestCancellation()
        condition.lock()
        let endpoint = endpoints[upstream]
        let signed = signedEntries[chunk]
        if !stopped { downloads[DownloadKey(chunk: chunk, upstream: upstream)] = cancellation }
        condition.unlock()
        guard let endpoint, let signed else {
            return post(.chunkFailed(chunk, from: upstream, reason: .refused(statusCode: nil)))
        }
        let target = "/mesh/v1/chunks/\(chunk.stream)/\(chunk.rendition)/\(chunk.mediaSequence).\(chunk.partIndex)"
        let thread = Thread { [self] in
            let event = fetch(target, chunk: chunk, signed: signed, from: upstream, endpoint: endpoint, cancellation: cancellation)
            condition.lock()
            let key = DownloadKey(chunk: chunk, upstream: upstream)
            if downloads[key] === cancellation { downloads[key] = nil }
            condition.unlock()
            if let event, !cancellation.isCancelled { post(event) }
        }
        thread.name = "mesh-\(context.stream)-chunk"
        thread.start()
    }

    private func fetch(_ target: String, chunk: ChunkID, signed: SignedIndexEntry, from upstream: UpstreamID,
                       endpoint: MeshHTTPClient.Endpoint, cancellation: RequestCancellation) -> PullEvent? {
        let credential = context.authenticator.headerValue(
            nodeID: context.nodeID, method: "GET", target: target, unixTimeSeconds: Int64(Date().timeIntervalSince1970))
        let response: MeshHTTPClient.Response
        do {
            response = try MeshHTTPClient.request(
                endpoint, method: "GET", target: target, authorization: credential, body: nil, tls: context.tls.current,
                timeoutSeconds: 10, cancellation: cancellation
            ) { [self] count in post(.bytesReceived(chunk, from: upstream, countBytes: count)) }
        } catch {
            switch error {
            case .connect, .tls: return .chunkFailed(chunk, from: upstream, reason: .refused(statusCode: nil))
            default: return .chunkFailed(chunk, from: upstream, reason: .reset)
            }
        }
        context.metrics.pullWireBytes.labels("chunk").increment(by: UInt64(response.wireBytes))
        guard response.status == 200 else { return .chunkFailed(chunk, from: upstream, reason: .refused(statusCode: response.status)) }
        do { try context.verifier.verify(entry: signed, bytes: response.body) } catch {
            context.metrics.verificationFailures.labels(upstream.nodeID).increment()
            context.logger.warning("chunk \(chunk) from \(upstream) failed verification: \(error); dropped")
            return .verificationFailed(chunk, from: upstream)
        }
        context.metrics.upstreamChunkBytes.labels(upstream.nodeID).increment(by: UInt64(response.body.count))
        condition.lock()
        delivered[DownloadKey(chunk: chunk, upstream: upstream)] = response.body
        condition.unlock()
        return .chunkCompleted(chunk, from: upstream)
    }
}
