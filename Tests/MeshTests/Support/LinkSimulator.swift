import Mesh

/// A simple bandwidth model that drives a scheduler: each upstream has a link rate shared
/// equally by its transfers and a round trip before a transfer's first byte. Steps in fixed
/// increments of simulated time; no clock, no network.
struct LinkSimulator {
    enum Behaviour {
        case normal
        /// Stops sending any bytes from this time on.
        case silentFrom(Double)
        /// Refuses every request after one round trip.
        case refuses
        /// Delivers every chunk with wrong bytes.
        case corrupts
    }

    struct Upstream {
        var id: UpstreamID
        var rateBytesPerSecond: Double
        var rttSeconds: Double
        var behaviour: Behaviour = .normal
    }

    struct Transfer {
        var chunk: ChunkID
        var upstream: UpstreamID
        var firstByteAtSeconds: Double
        var remainingBytes: Double
    }

    var replay: Replay
    var upstreams: [Upstream]
    var stepSeconds = 0.01
    private(set) var step = 0
    private(set) var transfers: [Transfer] = []
    private var lengths: [ChunkID: UInt64] = [:]
    private(set) var stored: [(chunk: ChunkID, upstream: UpstreamID, seconds: Double)] = []
    private(set) var abandoned: [ChunkID] = []
    /// Bytes each upstream sent (including transfers later cancelled).
    private(set) var sentBytes: [UpstreamID: Double] = [:]

    init(configuration: PullSchedulerConfiguration = PullSchedulerConfiguration(), upstreams: [Upstream]) {
        self.upstreams = upstreams
        self.replay = Replay(configuration, upstreams: upstreams.map(\.id))
    }

    var nowSeconds: Double { Double(step) * stepSeconds }

    /// Runs until `endSeconds`, publishing `entries` at their times to every upstream.
    mutating func run(until endSeconds: Double, entries: [(seconds: Double, entry: ChunkIndexEntry)]) {
        var next = 0
        while nowSeconds < endSeconds - 1e-9 {
            let now = nowSeconds
            while next < entries.count, entries[next].seconds <= now + 1e-9 {
                lengths[entries[next].entry.id] = entries[next].entry.lengthBytes
                for u in upstreams { apply(replay.indexed(entries[next].entry, at: now, from: [u.id])) }
                next += 1
            }
            deliver(now: now)
            apply(replay.at(now, .tick))
            step += 1
        }
    }

    private mutating func deliver(now: Double) {
        for u in upstreams {
            let active = transfers.indices.filter { transfers[$0].upstream == u.id && transfers[$0].firstByteAtSeconds <= now + 1e-9 }
            guard !active.isEmpty else { continue }
            if case .silentFrom(let t) = u.behaviour, now >= t { continue }
            if case .refuses = u.behaviour {
                for i in active.reversed() {
                    let transfer = transfers.remove(at: i)
                    apply(replay.at(now, .chunkFailed(transfer.chunk, from: u.id, reason: .refused(statusCode: 503))))
                }
                continue
            }
            let share = u.rateBytesPerSecond * stepSeconds / Double(active.count)
            var finished: [Transfer] = []
            for i in active {
                let bytes = min(share, transfers[i].remainingBytes)
                transfers[i].remainingBytes -= bytes
                sentBytes[u.id, default: 0] += bytes
                if transfers[i].remainingBytes <= 0.5 { finished.append(transfers[i]) }
                apply(replay.at(now, .bytesReceived(transfers[i].chunk, from: u.id, countBytes: Int(bytes.rounded()))))
            }
            for transfer in finished {
                transfers.removeAll { $0.chunk == transfer.chunk && $0.upstream == transfer.upstream }
                if case .corrupts = u.behaviour {
                    apply(replay.at(now, .verificationFailed(transfer.chunk, from: u.id)))
                } else {
                    apply(replay.at(now, .chunkCompleted(transfer.chunk, from: u.id)))
                }
            }
        }
    }

    private mutating func apply(_ actions: [PullAction]) {
        for action in actions {
            switch action {
            case .request(let chunk, let u), .hedge(let chunk, let u):
                let rtt = upstreams.first { $0.id == u }!.rttSeconds
                transfers.append(Transfer(chunk: chunk, upstream: u, firstByteAtSeconds: nowSeconds + rtt,
                                          remainingBytes: Double(lengths[chunk]!)))
            case .cancel(let chunk, let u):
                transfers.removeAll { $0.chunk == chunk && $0.upstream == u }
            case .store(let chunk, let u):
                stored.append((chunk, u, nowSeconds))
            case .abandon(let chunk):
                abandoned.append(chunk)
            case .demote, .log:
                break
            }
        }
    }

    func storedCount(from upstream: UpstreamID) -> Int { stored.count { $0.upstream == upstream } }

    var hedges: Int { replay.log.count { if case .hedge = $0.action { true } else { false } } }

    /// Live entries: one chunk of `lengthBytes` every `intervalSeconds` from `startSeconds`.
    static func live(
        count: Int, lengthBytes: UInt64, intervalSeconds: Double, startSeconds: Double = 0
    ) -> [(seconds: Double, entry: ChunkIndexEntry)] {
        (0..<count).map { i in
            (startSeconds + Double(i) * intervalSeconds,
             Fixtures.scheduled(UInt64(i), lengthBytes: lengthBytes, durationSeconds: intervalSeconds))
        }
    }
}
