import Foundation
import Logging
import Mesh
import Relay
import Synchronization

/// Fills one relayed stream (`upstreams:`) from the mesh, on its own threads: a control
/// thread that reads the upstreams' catalogs and picks one (``PullPlanner``: no loops, no
/// demoted peer), and one thread per rendition that long-polls the index, checks every
/// entry's origin signature, fetches the chunk, checks its length and SHA-256, and only then
/// records the entry (unchanged) and publishes the part into the store. An upstream that
/// fails is left for the next eligible one, continuing after the last stored part; one that
/// sends bad data ``demotionThreshold`` times is demoted for good.
final class MeshPuller: Sendable {
    static let demotionThreshold = 3

    struct Settings: Sendable {
        var nodeID: String
        var stream: String
        var upstreams: [String]
        var verifier: IndexVerifier
        var authenticator: MeshAuthenticator
        /// Longest index long-poll the upstreams hold (the client waits a little longer).
        var longPollSeconds: Double
    }

    private struct State: Sendable {
        var current: Upstream?
        var entry: CatalogEntry?
        var generation = 0
        var badData: [String: Int] = [:]
        var demoted: Set<String> = []
        var failedAt: [String: Date] = [:]
        var loggedExclusions: Set<String> = []
    }

    private let settings: Settings
    private let store: ChunkStore
    private let ledger: MeshLedger
    private let metrics: MeshMetrics
    private let logger: Logger
    private let state = Mutex(State())
    private let stopped = Atomic<Bool>(false)

    init(settings: Settings, store: ChunkStore, ledger: MeshLedger, metrics: MeshMetrics, logger: Logger) {
        self.settings = settings
        self.store = store
        self.ledger = ledger
        self.metrics = metrics
        var logger = logger
        logger[metadataKey: "stream"] = "\(settings.stream)"
        self.logger = logger
    }

    /// Starts the control thread.
    func start() {
        spawn("mesh-\(settings.stream)") { [self] in controlLoop() }
    }

    /// Asks every thread to end (each within one long-poll) and withdraws the stream.
    func stop() {
        stopped.store(true, ordering: .relaxed)
        ledger.removeStream(settings.stream)
        store.removeStream(settings.stream)
    }

    private var isStopped: Bool { stopped.load(ordering: .relaxed) }

    private func spawn(_ name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = name
        thread.start()
    }

    // MARK: Control

    private func controlLoop() {
        while !isStopped {
            if state.withLock({ $0.current == nil }) { selectUpstream() }
            Thread.sleep(forTimeInterval: state.withLock { $0.current == nil } ? 0.5 : 0.1)
        }
    }

    private func selectUpstream() {
        var catalogs: [UpstreamID: MeshCatalog] = [:]
        var byID: [UpstreamID: Upstream] = [:]
        var configured: [UpstreamID] = []
        let (demoted, failedAt) = state.withLock { ($0.demoted, $0.failedAt) }
        for url in settings.upstreams where !demoted.contains(url) {
            guard let endpoint = MeshHTTPClient.Endpoint(baseURL: url),
                  let response = try? get(endpoint, "/mesh/v1/catalog", timeoutSeconds: 2), response.status == 200,
                  let catalog = try? JSONDecoder().decode(MeshCatalog.self, from: Data(response.body))
            else { continue }
            let id = UpstreamID(catalog.nodeID)
            guard byID[id] == nil else { continue }
            catalogs[id] = catalog
            byID[id] = Upstream(url: url, endpoint: endpoint, nodeID: catalog.nodeID)
            configured.append(id)
        }
        let plan = PullPlanner.plan(for: configured, stream: settings.stream, myNodeID: settings.nodeID, catalogs: catalogs)
        for (id, why) in plan.excluded {
            let note = "\(id): \(why)"
            if state.withLock({ $0.loggedExclusions.insert(note).inserted }) {
                logger.warning("upstream \(id) not eligible for \(settings.stream): \(why)")
            }
        }
        // Prefer upstreams that did not just fail; fall back to any eligible one.
        let recent = { (id: UpstreamID) in failedAt[byID[id]!.url].map { Date().timeIntervalSince($0) < 2 } ?? false }
        guard let chosen = plan.eligible.first(where: { !recent($0) }) ?? plan.eligible.first,
              let upstream = byID[chosen], let entry = catalogs[chosen]?.entry(for: settings.stream)
        else { return }
        let relayed = entry.relayed(by: settings.nodeID)
        let needsInstall = state.withLock { state in
            let changed = state.entry.map { $0.renditions != entry.renditions || $0.originID != entry.originID } ?? true
            state.current = upstream
            if changed {
                state.entry = entry
                state.generation += 1
            }
            return changed
        }
        metrics.upstreamSwitches.labels(settings.stream).increment()
        logger.info("pulling \(settings.stream) from \(upstream.nodeID) (\(upstream.url)), path \(relayed.path.joined(separator: " → "))")
        if needsInstall { install(relayed) } else { ledger.updatePath(relayed) }
    }

    /// Registers the stream as the catalog describes it and starts a thread per rendition.
    private func install(_ entry: CatalogEntry) {
        let generation = state.withLock { $0.generation }
        store.removeStream(settings.stream)
        do { try store.addStream(SigningSink.storeDescriptor(entry)) } catch {
            logger.error("cannot register relayed stream \(settings.stream): \(error)")
            return
        }
        ledger.setStream(entry)
        for rendition in entry.renditions {
            spawn("mesh-\(settings.stream)-\(rendition.name)") { [self] in
                RenditionPull(puller: self, rendition: rendition.name, generation: generation).run()
            }
        }
    }

    // MARK: For the rendition threads

    fileprivate var stream: String { settings.stream }
    fileprivate var verifier: IndexVerifier { settings.verifier }
    fileprivate var longPollSeconds: Double { settings.longPollSeconds }

    /// The upstream to use now, nil while none is chosen; `isCurrent` false once the
    /// generation is over (the thread ends).
    fileprivate func upstream(generation: Int) -> (isCurrent: Bool, upstream: Upstream?) {
        if isStopped { return (false, nil) }
        return state.withLock { ($0.generation == generation, $0.current) }
    }

    fileprivate func get(_ endpoint: MeshHTTPClient.Endpoint, _ target: String, timeoutSeconds: Double) throws -> MeshHTTPClient.Response {
        let credential = settings.authenticator.headerValue(
            nodeID: settings.nodeID, method: "GET", target: target, unixTimeSeconds: Int64(Date().timeIntervalSince1970))
        return try MeshHTTPClient.get(endpoint, target: target, authorization: credential, timeoutSeconds: timeoutSeconds)
    }

    /// A request to the upstream failed: leave it for another.
    fileprivate func failed(_ upstream: Upstream, _ why: String) {
        let changed = state.withLock { state -> Bool in
            guard state.current?.url == upstream.url else { return false }
            state.current = nil
            state.failedAt[upstream.url] = Date()
            return true
        }
        if changed { logger.warning("upstream \(upstream.nodeID) (\(upstream.url)) failed: \(why); choosing again") }
    }

    /// Data from the upstream failed verification: counted; demoted at the threshold.
    fileprivate func badData(_ upstream: Upstream, _ why: String) {
        metrics.verificationFailures.labels(upstream.nodeID).increment()
        let count = state.withLock { state -> Int in
            state.badData[upstream.url, default: 0] += 1
            return state.badData[upstream.url]!
        }
        logger.warning("bad data from upstream \(upstream.nodeID) (\(upstream.url)): \(why) (\(count) so far); dropped")
        guard count == Self.demotionThreshold else { return }
        state.withLock { state in
            state.demoted.insert(upstream.url)
            if state.current?.url == upstream.url { state.current = nil }
        }
        metrics.demotions.labels(upstream.nodeID).increment()
        logger.error("upstream \(upstream.nodeID) (\(upstream.url)) demoted: \(count) chunks failed verification")
    }

    /// The store refused a part (a gap in the timeline): start the stream over from the
    /// upstream's newest segment.
    fileprivate func resync(generation: Int, _ why: String) {
        let entry: CatalogEntry? = state.withLock { state in
            guard state.generation == generation else { return nil }
            state.generation += 1
            return state.entry
        }
        guard let entry else { return }
        logger.warning("relayed stream \(settings.stream) starts over: \(why)")
        install(entry.relayed(by: settings.nodeID))
    }

    fileprivate func published(_ part: ChunkID, from upstream: Upstream) {
        metrics.chunksPulled.labels(settings.stream).increment()
        if part.mediaSequence == 0 || part.partIndex == 0 { try? store.setProducing(stream: settings.stream, true) }
    }

    fileprivate var ledgerForPull: MeshLedger { ledger }
    fileprivate var storeForPull: ChunkStore { store }
}

/// One rendition's pull loop (one thread, one generation of the stream).
private struct RenditionPull {
    let puller: MeshPuller
    let rendition: String
    let generation: Int

    func run() {
        var after: ChunkID?
        var initSHA: [UInt8]?
        while true {
            let (isCurrent, upstream) = puller.upstream(generation: generation)
            guard isCurrent else { return }
            guard let upstream else {
                Thread.sleep(forTimeInterval: 0.05)
                continue
            }
            do {
                if initSHA == nil { initSHA = try fetchInit(upstream) }
                guard initSHA != nil else { continue }
                try pullIndex(upstream, after: &after)
            } catch let failure as PullError {
                switch failure {
                case .transport(let why): puller.failed(upstream, why)
                case .badData(let why): puller.badData(upstream, why)
                case .gap(let why):
                    puller.resync(generation: generation, why)
                    return
                }
                Thread.sleep(forTimeInterval: 0.05)
            } catch {
                puller.failed(upstream, "\(error)")
            }
        }
    }

    enum PullError: Error {
        case transport(String)
        case badData(String)
        case gap(String)
    }

    private func fetch(_ upstream: Upstream, _ target: String, timeoutSeconds: Double = 5) throws(PullError) -> [UInt8] {
        let response: MeshHTTPClient.Response
        do { response = try puller.get(upstream.endpoint, target, timeoutSeconds: timeoutSeconds) } catch {
            throw .transport("\(target): \(error)")
        }
        guard response.status == 200 else { throw .transport("\(target): HTTP \(response.status)") }
        return response.body
    }

    private func fetchInit(_ upstream: Upstream) throws(PullError) -> [UInt8]? {
        let stream = puller.stream
        let line = try fetch(upstream, "/mesh/v1/index/\(stream)/\(rendition)/init")
        let signed: SignedIndexEntry
        do { signed = try JSONDecoder().decode(SignedIndexEntry.self, from: Data(line)) } catch {
            throw .badData("init entry: \(error)")
        }
        guard signed.entry.id == MeshLedger.initID(stream: stream, rendition: rendition) else { throw .badData("init entry names \(signed.entry.id)") }
        let bytes = try fetch(upstream, "/mesh/v1/chunks/\(stream)/\(rendition)/init")
        do { try puller.verifier.verify(entry: signed, bytes: bytes) } catch { throw .badData("init section: \(error)") }
        puller.ledgerForPull.recordInit(signed)
        do { try puller.storeForPull.setInit(stream: stream, rendition: rendition, bytes: bytes) } catch {
            throw .gap("init section refused: \(error)")
        }
        return signed.entry.sha256
    }

    private func pullIndex(_ upstream: Upstream, after: inout ChunkID?) throws(PullError) {
        let stream = puller.stream
        let query = after.map { "?after=\($0.mediaSequence).\($0.partIndex)" } ?? ""
        let body = try fetch(upstream, "/mesh/v1/index/\(stream)/\(rendition)\(query)", timeoutSeconds: puller.longPollSeconds + 3)
        for line in body.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            guard puller.upstream(generation: generation).isCurrent else { return }
            let signed: SignedIndexEntry
            do { signed = try JSONDecoder().decode(SignedIndexEntry.self, from: Data(line)) } catch {
                throw .badData("index entry: \(error)")
            }
            let id = signed.entry.id
            guard id.stream == stream, id.rendition == rendition else { throw .badData("index entry for \(id)") }
            if let after, !id.isAfter(after) { continue }
            do { try puller.verifier.verify(signed) } catch { throw .badData("index entry \(id): \(error)") }
            let bytes = try fetch(upstream, "/mesh/v1/chunks/\(stream)/\(rendition)/\(id.mediaSequence).\(id.partIndex)")
            do { try puller.verifier.verify(entry: signed, bytes: bytes) } catch { throw .badData("chunk \(id): \(error)") }
            try publish(signed, bytes: bytes, after: after)
            after = id
            puller.published(id, from: upstream)
        }
    }

    private func publish(_ signed: SignedIndexEntry, bytes: [UInt8], after: ChunkID?) throws(PullError) {
        let entry = signed.entry
        let part = ChunkPart(
            mediaSequence: Int(entry.id.mediaSequence), partIndex: Int(entry.id.partIndex),
            durationSeconds: Double(entry.durationMicroseconds) / 1_000_000, isIndependent: entry.isIndependent,
            presentationTime: PresentationTime(value: entry.presentationTimeValue,
                                               timeBase: TimeBase(numerator: 1, denominator: Int32(clamping: entry.timescaleHz))),
            bytes: bytes)
        // The entry first, so an index long-poll never names a part the store lacks for long.
        puller.ledgerForPull.record(signed)
        do { try puller.storeForPull.appendPart(stream: puller.stream, rendition: rendition, part: part) } catch {
            throw .gap("part \(entry.id) after \(after.map { "\($0)" } ?? "nothing"): \(error)")
        }
    }
}

/// An upstream as the puller uses it: its configured URL and the node id its catalog gave.
private struct Upstream: Sendable {
    var url: String
    var endpoint: MeshHTTPClient.Endpoint
    var nodeID: String
}
