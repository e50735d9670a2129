import Foundation
import Logging
import Mesh
import Relay
import Synchronization

/// Fills one relayed stream (`upstreams:`) from the mesh, from every eligible upstream at
/// once. A watcher thread per configured upstream reads its catalog (is it alive, what does
/// it carry, through which boxes); the control thread plans (``PullPlanner``: no loops, no
/// demoted peer) and keeps the eligible upstreams in the stream's ``PullDriver``; an index
/// poll per upstream and rendition feeds it the entries whose origin signature verified.
/// The driver's ``PullScheduler`` decides which upstream each chunk comes from, so a dead or
/// silent upstream costs a re-request, not a stall. Bad data: a chunk that fails its
/// SHA-256 or an index entry that fails its signature is dropped and counted, and an
/// upstream is demoted for good after ``demotionThreshold`` of either.
final class MeshPuller: Sendable {
    static let demotionThreshold = 3

    struct Settings: Sendable {
        var nodeID: String
        var stream: String
        var upstreams: [String]
        var verifier: IndexVerifier
        var authenticator: MeshAuthenticator
        /// How `https://` upstreams are checked.
        var tls: MeshClientTLS
        /// Longest index long-poll the upstreams hold (the client waits a little longer).
        var longPollSeconds: Double
        /// A rendition unread for this long stops being pulled; 0 pulls all always.
        var pullIdleSeconds: Double = 30
        /// Renditions the upstreams are asked to offer whatever the link measures.
        var pinnedRenditions: [String] = []
        var scheduler = MeshPuller.liveScheduler
    }

    /// Mesh chunks are only requested once some upstream has them, so an upstream silent
    /// for one part duration is late: it is dropped for that chunk then, not later.
    static let liveScheduler: PullSchedulerConfiguration = {
        var configuration = PullSchedulerConfiguration()
        configuration.silenceDurationFactor = 1.0
        return configuration
    }()

    /// What the watcher last learnt of a configured upstream.
    private struct Watch {
        var endpoint: MeshHTTPClient.Endpoint
        var catalog: MeshCatalog?
        /// When its catalog was last read, if it has been since it last failed.
        var aliveAt: Double?
    }

    private struct State {
        var watches: [String: Watch] = [:]
        var badIndexEntries: [String: Int] = [:]
        var demoted: Set<UpstreamID> = []
        var generation = 0
        var driver: PullDriver?
        var entry: CatalogEntry?
        /// Upstreams in the current driver, by URL.
        var active: [String: UpstreamID] = [:]
        /// Renditions each upstream's index is polled for, by URL (this generation).
        var polls: [String: Set<String>] = [:]
        /// Demand: renditions pulled because someone reads them, and the reads seen so far.
        var demand: RenditionDemand
        var lastReads: [String: UInt64] = [:]
        var wanted: Set<String> = []
        var loggedExclusions: Set<String> = []
    }

    private let settings: Settings
    private let store: ChunkStore
    private let ledger: MeshLedger
    private let metrics: MeshMetrics
    private let logger: Logger
    private let state: Mutex<State>
    private let stopped = Atomic<Bool>(false)

    init(settings: Settings, store: ChunkStore, ledger: MeshLedger, metrics: MeshMetrics, logger: Logger) {
        self.settings = settings
        state = Mutex(State(demand: RenditionDemand(idleSeconds: settings.pullIdleSeconds)))
        self.store = store
        self.ledger = ledger
        self.metrics = metrics
        var logger = logger
        logger[metadataKey: "stream"] = "\(settings.stream)"
        self.logger = logger
    }

    /// Starts the watchers and the control thread.
    func start() {
        for url in settings.upstreams {
            guard let endpoint = MeshHTTPClient.Endpoint(baseURL: url) else {
                logger.error("upstream \(url) is not an http:// or https://host:port URL; ignored")
                continue
            }
            state.withLock { $0.watches[url] = Watch(endpoint: endpoint) }
            spawn("mesh-\(settings.stream)-watch") { [self] in watch(url, endpoint) }
        }
        spawn("mesh-\(settings.stream)") { [self] in
            while !isStopped {
                plan()
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
    }

    /// Asks every thread to end (each within one request) and withdraws the stream.
    func stop() {
        stopped.store(true, ordering: .relaxed)
        state.withLock { $0.driver }?.stop()
        ledger.removeStream(settings.stream)
        store.removeStream(settings.stream)
    }

    private var isStopped: Bool { stopped.load(ordering: .relaxed) }

    private func spawn(_ name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = name
        thread.start()
    }

    /// A control request (catalog, index, init), counted in the mesh's overhead by `kind`.
    func get(_ endpoint: MeshHTTPClient.Endpoint, _ target: String, kind: String, headers: [(String, String)] = [],
             timeoutSeconds: Double) throws -> MeshHTTPClient.Response {
        let credential = settings.authenticator.headerValue(
            nodeID: settings.nodeID, method: "GET", target: target, unixTimeSeconds: Int64(Date().timeIntervalSince1970))
        let response = try MeshHTTPClient.get(endpoint, target: target, authorization: credential, headers: headers,
                                              tls: settings.tls.current, timeoutSeconds: timeoutSeconds)
        metrics.pullWireBytes.labels(kind).increment(by: UInt64(response.wireBytes))
        return response
    }

    // MARK: Watching and planning

    /// Reads an upstream's catalog every second (every five while it is in use), backing off
    /// while it does not answer.
    private func watch(_ url: String, _ endpoint: MeshHTTPClient.Endpoint) {
        var failures = 0
        var lastReported: String?
        while !isStopped {
            do {
                let response = try get(endpoint, "/mesh/v1/catalog", kind: "catalog", headers: linkReport(url), timeoutSeconds: 1)
                guard response.status == 200 else { throw MeshHTTPClient.Failure.malformed("HTTP \(response.status)") }
                let catalog = try JSONDecoder().decode(MeshCatalog.self, from: Data(response.body))
                state.withLock { state in
                    state.watches[url]?.catalog = catalog
                    state.watches[url]?.aliveAt = PullDriver.now()
                }
                failures = 0
                lastReported = nil
                // While the upstream is in use its index polls and chunk requests watch over
                // it; its catalog is only re-read for changes (a slower beat keeps the mesh's
                // control traffic small).
                let inUse = state.withLock { $0.active[url] != nil }
                Thread.sleep(forTimeInterval: inUse ? 5 : 1)
            } catch {
                // Said once per distinct reason (an upstream whose certificate is not trusted
                // fails the same way every second), again after it has answered.
                let why = "\(error)"
                if why != lastReported {
                    logger.warning("upstream \(url) cannot be read: catalog: \(why); not pulled from until it answers")
                    lastReported = why
                }
                markDown(url, "catalog: \(error)")
                failures += 1
                Thread.sleep(forTimeInterval: min(0.25 * Double(1 << min(failures, 5)), 4))
            }
        }
    }

    /// What this box measured of what it can pull, for the upstream at `url` to choose the
    /// renditions it offers (``MeshPeerLinks``): no measure before one was taken. With
    /// several upstreams that is their sum: each part comes from one of them, so two links
    /// each too narrow for a rendition together carry it. The pinned renditions go with it,
    /// measured or not.
    private func linkReport(_ url: String) -> [(String, String)] {
        var items: [String] = []
        let (driver, id) = state.withLock { ($0.driver, $0.active[url]) }
        if let driver, id != nil, let bytesPerSecond = driver.aggregateThroughputEstimate() {
            items.append("mtp=\(Int(bytesPerSecond * 8 / 1000))")
        }
        if !settings.pinnedRenditions.isEmpty {
            items.append(MeshPeerLinks.pinnedItem(stream: settings.stream, settings.pinnedRenditions))
        }
        return items.isEmpty ? [] : [(MeshPeerLinks.headerName, items.joined(separator: ","))]
    }

    /// Brings the driver's upstreams and the index polls in line with the eligible upstreams
    /// and the renditions each offers this box (installing the stream when the set of
    /// renditions changes).
    private func plan() {
        let (watches, demoted) = state.withLock { ($0.watches, $0.demoted) }
        var catalogs: [UpstreamID: MeshCatalog] = [:]
        var urls: [UpstreamID: String] = [:]
        var candidates: [UpstreamID] = []
        for url in settings.upstreams {
            guard let watch = watches[url], watch.aliveAt != nil, let catalog = watch.catalog else { continue }
            let id = UpstreamID(catalog.nodeID)
            guard urls[id] == nil, !demoted.contains(id) else { continue }
            catalogs[id] = catalog
            urls[id] = url
            candidates.append(id)
        }
        let plan = PullPlanner.plan(for: candidates, stream: settings.stream, myNodeID: settings.nodeID, catalogs: catalogs)
        for (id, why) in plan.excluded {
            let note = "\(id): \(why)"
            if state.withLock({ $0.loggedExclusions.insert(note).inserted }) {
                logger.warning("upstream \(id) not eligible for \(settings.stream): \(why)")
            }
        }
        let entries = plan.eligible.compactMap { id in catalogs[id]?.entry(for: settings.stream).map { (id, $0) } }
        guard var entry = entries.first?.1 else { return }
        // Each upstream offers the renditions its link to this box carries: pull the union,
        // each rendition from the upstreams that offer it.
        for (_, other) in entries.dropFirst() {
            entry.renditions += other.renditions.filter { r in !entry.renditions.contains { $0.name == r.name } }
        }
        for missing in settings.pinnedRenditions where !entry.renditions.contains(where: { $0.name == missing }) {
            let note = "pinned \(missing)"
            if state.withLock({ $0.loggedExclusions.insert(note).inserted }) {
                let offered = entry.renditions.map(\.name).joined(separator: ", ")
                logger.warning("pinned rendition \(missing) of \(settings.stream) is not offered by any upstream (offered: \(offered)); check pinned_renditions")
            }
        }
        let relayed = entry.relayed(by: settings.nodeID)
        let installed = state.withLock { $0.entry }
        if installed.map({ Set($0.renditions.map(\.name)) != Set(entry.renditions.map(\.name)) || $0.originID != entry.originID }) ?? true {
            if let installed {
                logger.info("renditions of \(settings.stream) offered to this box: \(entry.renditions.map(\.name)) (were \(installed.renditions.map(\.name)))")
            }
            install(relayed)
        } else if installed?.path != relayed.path {
            state.withLock { $0.entry?.path = relayed.path }
            ledger.updatePath(relayed)
        }
        let wanted = demanded(entry.renditions.map(\.name))
        state.withLock { $0.wanted = wanted }
        let offered = Dictionary(uniqueKeysWithValues: entries.map { (urls[$0.0]!, ($0.0, Set($0.1.renditions.map(\.name)))) })
        synchronise(offered: offered, endpoints: watches.mapValues(\.endpoint), catalogs: catalogs)
    }

    /// The renditions someone reads (a player's playlist request, a peer's index poll), as
    /// ``RenditionDemand`` decides from the store's read times: a first read starts a pull,
    /// `pullIdleSeconds` without one stops it (its window is dropped). All when demand is off.
    private func demanded(_ renditions: [String]) -> Set<String> {
        guard settings.pullIdleSeconds > 0 else { return Set(renditions) }
        let now = Double(DispatchTime.now().uptimeNanoseconds) / 1e9
        var actions: [RenditionDemand.Action] = []
        let (wanted, driver) = state.withLock { state -> (Set<String>, PullDriver?) in
            for rendition in renditions {
                guard let read = store.lastRead(stream: settings.stream, rendition: rendition), read > 0,
                      read != state.lastReads[rendition] else { continue }
                state.lastReads[rendition] = read
                actions += state.demand.noteRead(stream: settings.stream, rendition: rendition, at: Double(read) / 1e9)
            }
            actions += state.demand.tick(at: now)
            return (Set(renditions.filter { state.demand.isPulling(stream: settings.stream, rendition: $0) }), state.driver)
        }
        for action in actions {
            switch action {
            case .startPulling(_, let rendition):
                logger.info("\(settings.stream)/\(rendition) is read: pulling it")
                driver?.resumeRendition(rendition)
            case .stopPulling(_, let rendition):
                logger.info("\(settings.stream)/\(rendition) unread for \(Int(settings.pullIdleSeconds)) s: no longer pulled")
                driver?.stopRendition(rendition)
                store.clearWindow(stream: settings.stream, rendition: rendition)
            }
        }
        return wanted
    }

    /// Adds upstreams to the driver and starts index polls for what they newly offer; takes
    /// out the upstreams no longer eligible (their polls end on their own).
    private func synchronise(offered: [String: (UpstreamID, Set<String>)], endpoints: [String: MeshHTTPClient.Endpoint],
                             catalogs: [UpstreamID: MeshCatalog]) {
        let (driver, generation, active) = state.withLock { ($0.driver, $0.generation, $0.active) }
        guard let driver else { return }
        for (url, (id, _)) in offered where active[url] == nil {
            state.withLock { $0.active[url] = id }
            driver.addUpstream(id, endpoint: endpoints[url]!)
            logger.info("pulling \(settings.stream) from \(id) (\(url)), path \(catalogs[id]?.entry(for: settings.stream)?.path.joined(separator: " → ") ?? "?")")
        }
        for (url, id) in active where offered[url] == nil { deactivate(url, id, driver: driver) }
        for (url, (id, renditions)) in offered {
            let started = state.withLock { state in
                let new = renditions.subtracting(state.polls[url] ?? [])
                state.polls[url] = renditions
                return new
            }
            for rendition in started {
                spawn("mesh-\(settings.stream)-\(rendition)") { [self] in
                    IndexPoll(puller: self, driver: driver, url: url, upstream: id, endpoint: endpoints[url]!,
                              rendition: rendition, generation: generation).run()
                }
            }
        }
    }

    /// Registers the stream as the catalog describes it and starts a new driver for it.
    private func install(_ entry: CatalogEntry) {
        let context = PullDriver.Context(
            stream: settings.stream, nodeID: settings.nodeID, verifier: settings.verifier, authenticator: settings.authenticator,
            tls: settings.tls, metrics: metrics, logger: logger,
            onDemoted: { [self] id in demote(id) },
            onGap: { [self] why in resync(why) })
        let driver = PullDriver(context: context, publisher: PartPublisher(stream: settings.stream, store: store, ledger: ledger),
                                configuration: settings.scheduler)
        let old = state.withLock { state -> PullDriver? in
            defer {
                state.generation += 1
                state.driver = driver
                state.entry = entry
                state.active = [:]
                state.polls = [:]
            }
            return state.driver
        }
        old?.stop()
        store.removeStream(settings.stream)
        do { try store.addStream(SigningSink.storeDescriptor(entry)) } catch {
            logger.error("cannot register relayed stream \(settings.stream): \(error)")
            return
        }
        ledger.setStream(entry)
        // Ready as soon as an upstream offers it: renditions are pulled on demand.
        try? store.setProducing(stream: settings.stream, true)
        driver.start()
    }

    private func deactivate(_ url: String, _ id: UpstreamID, driver: PullDriver) {
        let removed = state.withLock { state in
            state.polls[url] = nil
            return state.active.removeValue(forKey: url) != nil
        }
        guard removed else { return }
        driver.removeUpstream(id)
        metrics.upstreamSwitches.labels(settings.stream).increment()
    }

    // MARK: For the index polls and the driver

    /// True while the poll's generation is current, its upstream is in the driver and still
    /// offers the rendition.
    fileprivate func isActive(_ url: String, rendition: String, generation: Int) -> Bool {
        !isStopped && state.withLock { $0.generation == generation && $0.polls[url]?.contains(rendition) == true }
    }

    /// True while someone reads the rendition (or demand is off).
    fileprivate func isWanted(_ rendition: String) -> Bool {
        state.withLock { $0.wanted.contains(rendition) }
    }

    fileprivate var stream: String { settings.stream }
    fileprivate var verifier: IndexVerifier { settings.verifier }
    fileprivate var longPollSeconds: Double { settings.longPollSeconds }
    fileprivate var storeForPoll: ChunkStore { store }
    fileprivate var ledgerForPoll: MeshLedger { ledger }

    /// A request to the upstream failed: out of the driver until its catalog answers again.
    fileprivate func markDown(_ url: String, _ why: String) {
        let (id, driver) = state.withLock { state -> (UpstreamID?, PullDriver?) in
            state.watches[url]?.aliveAt = nil
            return (state.active[url], state.driver)
        }
        guard let id, let driver else { return }
        logger.warning("upstream \(id) (\(url)) failed: \(why); pulling from the others")
        deactivate(url, id, driver: driver)
    }

    /// An index entry from the upstream failed verification: counted; demoted at the threshold.
    fileprivate func badIndexEntry(_ url: String, _ id: UpstreamID, _ why: String) {
        metrics.verificationFailures.labels(id.nodeID).increment()
        let count = state.withLock { state -> Int in
            state.badIndexEntries[url, default: 0] += 1
            return state.badIndexEntries[url]!
        }
        logger.warning("bad index entry from upstream \(id) (\(url)): \(why) (\(count) so far); dropped")
        if count == Self.demotionThreshold {
            metrics.demotions.labels(id.nodeID).increment()
            logger.error("upstream \(id) (\(url)) demoted: \(count) index entries failed verification")
            demote(id)
        }
    }

    private func demote(_ id: UpstreamID) {
        let (driver, urls) = state.withLock { state in
            state.demoted.insert(id)
            return (state.driver, state.active.filter { $0.value == id }.map(\.key))
        }
        guard let driver else { return }
        for url in urls { deactivate(url, id, driver: driver) }
    }

    /// The store refused a part, or a chunk was given up: start the stream over.
    private func resync(_ why: String) {
        guard let entry = state.withLock({ $0.entry }), !isStopped else { return }
        logger.warning("relayed stream \(settings.stream) starts over: \(why)")
        install(entry)
    }
}

/// One upstream's index of one rendition, long-polled for one generation of the stream
/// while the rendition is read: entries whose origin signature verifies go to the driver.
/// The init section is fetched (and verified) first if the store has none yet, read or not,
/// so that this box can answer a downstream peer's init request at once.
private struct IndexPoll {
    let puller: MeshPuller
    let driver: PullDriver
    let url: String
    let upstream: UpstreamID
    let endpoint: MeshHTTPClient.Endpoint
    let rendition: String
    let generation: Int

    private enum PollError: Error {
        case transport(String)
        case badData(String)
    }

    func run() {
        var after: ChunkID?
        while puller.isActive(url, rendition: rendition, generation: generation), driver.isRunning {
            do throws(PollError) {
                if driver.needsInit(rendition) { try fetchInit() }
                guard puller.isWanted(rendition) else {
                    // Unread: nothing to pull; when read again the window starts afresh.
                    after = nil
                    Thread.sleep(forTimeInterval: 0.1)
                    continue
                }
                try poll(after: &after)
            } catch {
                switch error {
                case .transport(let why):
                    return puller.markDown(url, why)
                case .badData(let why):
                    puller.badIndexEntry(url, upstream, why)
                    Thread.sleep(forTimeInterval: 0.05)
                }
            }
        }
    }

    private func fetch(_ target: String, kind: String, timeoutSeconds: Double = 5) throws(PollError) -> [UInt8] {
        let response: MeshHTTPClient.Response
        do { response = try puller.get(endpoint, target, kind: kind, timeoutSeconds: timeoutSeconds) } catch {
            throw .transport("\(target): \(error)")
        }
        guard response.status == 200 else { throw .transport("\(target): HTTP \(response.status)") }
        return response.body
    }

    private func fetchInit() throws(PollError) {
        let stream = puller.stream
        let line = try fetch("/mesh/v1/index/\(stream)/\(rendition)/init", kind: "init")
        let signed: SignedIndexEntry
        do { signed = try JSONDecoder().decode(SignedIndexEntry.self, from: Data(line)) } catch {
            throw .badData("init entry: \(error)")
        }
        guard signed.entry.id == MeshLedger.initID(stream: stream, rendition: rendition) else { throw .badData("init entry names \(signed.entry.id)") }
        let bytes = try fetch("/mesh/v1/chunks/\(stream)/\(rendition)/init", kind: "init")
        do { try puller.verifier.verify(entry: signed, bytes: bytes) } catch { throw .badData("init section: \(error)") }
        puller.ledgerForPoll.recordInit(signed)
        try? puller.storeForPoll.setInit(stream: stream, rendition: rendition, bytes: bytes)
        driver.initDone(rendition)
    }

    private func poll(after: inout ChunkID?) throws(PollError) {
        let stream = puller.stream
        let query = after.map { "?after=\($0.mediaSequence).\($0.partIndex)" } ?? ""
        let body = try fetch("/mesh/v1/index/\(stream)/\(rendition)\(query)", kind: "index", timeoutSeconds: puller.longPollSeconds + 2)
        for line in body.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            let signed: SignedIndexEntry
            do { signed = try JSONDecoder().decode(SignedIndexEntry.self, from: Data(line)) } catch {
                throw .badData("index entry: \(error)")
            }
            let id = signed.entry.id
            guard id.stream == stream, id.rendition == rendition else { throw .badData("index entry for \(id)") }
            if let after, !id.isAfter(after) { continue }
            after = id
            do { try puller.verifier.verify(signed) } catch {
                puller.badIndexEntry(url, upstream, "index entry \(id): \(error)")
                continue
            }
            driver.indexed(signed, from: upstream)
        }
    }
}
