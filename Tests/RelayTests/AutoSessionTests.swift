import Adaptation
import NIOCore
import Testing

@testable import Relay

/// Sessions of `auto` playlists without sockets: bounds, expiry, the choices' stability, the
/// rendered playlist, CMCD.
@Suite("Auto sessions")
struct AutoSessionTests {
    static let second: UInt64 = 1_000_000_000

    static func table(maxSessions: Int = 10, idleSeconds: Double = 30) -> (AutoSessionTable, MetricsRegistry) {
        var configuration = AutoSessionConfiguration()
        configuration.maxSessions = maxSessions
        configuration.idleTimeoutSeconds = idleSeconds
        let registry = MetricsRegistry()
        return (AutoSessionTable(configuration: configuration, registry: registry), registry)
    }

    @Test func sessionsAreBoundedLeastRecentlySeenFirst() {
        let (table, registry) = Self.table(maxSessions: 3)
        let base = 100 * Self.second
        let sessions = (0..<3).map { peer in
            table.session(forPlaylist: "main", explicitID: nil, clientSessionKey: nil, peerKey: UInt64(peer + 1),
                          nowNanoseconds: base + UInt64(peer) * Self.second)
        }
        #expect(table.count == 3)
        // Peer 1 comes back, so peer 2 is now the least recently seen.
        let again = table.session(forPlaylist: "main", explicitID: nil, clientSessionKey: nil, peerKey: 1, nowNanoseconds: base + 5 * Self.second)
        #expect(again === sessions[0])
        _ = table.session(forPlaylist: "main", explicitID: nil, clientSessionKey: nil, peerKey: 4, nowNanoseconds: base + 6 * Self.second)
        #expect(table.count == 3)
        #expect(table.session(forMedia: nil, peerKey: 2, nowNanoseconds: base + 7 * Self.second) == nil, "peer 2 was evicted")
        #expect(table.session(forMedia: nil, peerKey: 1, nowNanoseconds: base + 7 * Self.second) === sessions[0])
        #expect(table.session(forMedia: nil, peerKey: 3, nowNanoseconds: base + 7 * Self.second) === sessions[2])
        #expect(registry.exposition().contains("mutstream_abr_sessions_evicted_total{reason=\"capacity\"} 1"))
    }

    @Test func idleSessionsExpire() {
        let (table, registry) = Self.table(idleSeconds: 30)
        let base = 100 * Self.second
        let first = table.session(forPlaylist: "main", explicitID: nil, clientSessionKey: nil, peerKey: 7, nowNanoseconds: base)
        // Media requests keep it alive.
        #expect(table.session(forMedia: nil, peerKey: 7, nowNanoseconds: base + 20 * Self.second) === first)
        #expect(table.session(forMedia: nil, peerKey: 7, nowNanoseconds: base + 45 * Self.second) === first)
        #expect(table.session(forMedia: nil, peerKey: 7, nowNanoseconds: base + 76 * Self.second) == nil)
        #expect(table.count == 0)
        let second = table.session(forPlaylist: "main", explicitID: nil, clientSessionKey: nil, peerKey: 7, nowNanoseconds: base + 77 * Self.second)
        #expect(second !== first)
        #expect(registry.exposition().contains("mutstream_abr_sessions_evicted_total{reason=\"idle\"} 1"))
    }

    @Test func keysFindTheirSession() {
        let (table, _) = Self.table()
        let now = 100 * Self.second
        let explicit = table.session(forPlaylist: "main", explicitID: 0xabc, clientSessionKey: nil, peerKey: 1, nowNanoseconds: now)
        #expect(explicit.idText == "0000000000000abc")
        #expect(AutoSession.parseID(explicit.idText) == 0xabc)
        #expect(explicit.keyKind == .explicit)
        #expect(table.session(forPlaylist: "main", explicitID: 0xabc, clientSessionKey: nil, peerKey: 99, nowNanoseconds: now) === explicit)
        // Another stream with the same id is another session.
        let other = table.session(forPlaylist: "other", explicitID: 0xabc, clientSessionKey: nil, peerKey: 99, nowNanoseconds: now)
        #expect(other !== explicit)
        let sidKey = AutoSessionTable.clientSessionKey(stream: "main", sessionID: "player-1")
        let byCMCD = table.session(forPlaylist: "main", explicitID: nil, clientSessionKey: sidKey, peerKey: 5, nowNanoseconds: now)
        #expect(byCMCD.keyKind == .clientSessionID)
        #expect(table.session(forMedia: sidKey, peerKey: 12345, nowNanoseconds: now) === byCMCD)
        #expect(table.session(forMedia: nil, peerKey: 5, nowNanoseconds: now) === byCMCD)
        #expect(AutoSession.parseID("xyz") == nil)
        #expect(AutoRequest.sessionID(query: "_HLS_msn=3&s=00000000000000ff") == 0xff)
        #expect(AutoRequest.sessionID(query: "_HLS_msn=3") == nil)
    }

    // MARK: Choices and playlists

    static func store() throws -> ChunkStore {
        let store = ChunkStore(configuration: ChunkStoreConfiguration(windowSegments: 6, programDateTime: false))
        try store.addStream(Fixtures.descriptor())
        return store
    }

    @Test func aSwitchFallsOnASegmentStartWithItsInitSection() throws {
        let store = try Self.store()
        try Fixtures.publish(store, segments: 0..<4)
        try Fixtures.publish(store, segments: 4..<5, partsPerSegment: 2, endSegments: false)
        let ladder = try #require(AutoLadder(Fixtures.descriptor()))
        #expect(ladder.names == ["360p", "720p"])
        let window = try #require(store.autoWindow(stream: "main", ladder: ladder))
        var history = SwitchHistory()
        history.start(mediaSequence: 0, rendition: 1)
        history.assign(mediaSequence: 1, rendition: 1)
        history.assign(mediaSequence: 2, rendition: 0)
        history.assign(mediaSequence: 3, rendition: 0)
        history.assign(mediaSequence: 4, rendition: 1)
        let text = AutoPlaylist.renderMedia(window: window, history: history, ladder: ladder)
        let lines = text.split(separator: "\n").map(String.init)

        #expect(!text.contains("EXT-X-DISCONTINUITY"))
        #expect(text.contains("#EXT-X-MEDIA-SEQUENCE:0\n"))
        let maps = lines.indices.filter { lines[$0].hasPrefix("#EXT-X-MAP:") }
        #expect(maps.map { lines[$0] } == [
            "#EXT-X-MAP:URI=\"../720p/init.mp4\"", "#EXT-X-MAP:URI=\"../360p/init.mp4\"", "#EXT-X-MAP:URI=\"../720p/init.mp4\"",
        ])
        // Every media line after a map, up to the next map, is of that map's rendition, and the
        // first one after a switch opens a segment (part 0, independent, or a whole segment).
        for (position, mapIndex) in maps.enumerated() {
            let rendition = lines[mapIndex].split(separator: "/")[1]
            let end = position + 1 < maps.count ? maps[position + 1] : lines.count
            let media = lines[maps[position]..<end].filter { $0.contains(".m4s") }
            #expect(!media.isEmpty)
            #expect(media.allSatisfy { $0.contains("../\(rendition)/") }, "\(media)")
            if position > 0 {
                let first = try #require(media.first)
                #expect(first.contains(".0.m4s\",INDEPENDENT=YES") || first.hasPrefix("../"), "switch mid-segment: \(first)")
            }
        }
        #expect(lines.contains("../720p/seg1.m4s"))
        #expect(lines.contains("../360p/seg2.m4s"))
        #expect(lines.contains("../360p/seg3.m4s"))
        #expect(text.contains("#EXT-X-PART:DURATION=0.50000,URI=\"../720p/part4.1.m4s\""))
        #expect(lines.last == "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"../720p/part4.2.m4s\"")
    }

    @Test func choicesAreMadeOncePerSegmentAndNeverChange() throws {
        let store = try Self.store()
        try Fixtures.publish(store, segments: 0..<3)
        let (table, _) = Self.table()
        let ladder = try #require(table.ladder(for: Fixtures.descriptor()))
        let session = table.session(forPlaylist: "main", explicitID: nil, clientSessionKey: nil, peerKey: 1, nowNanoseconds: Self.second)
        var seen: [Int: Int] = [:]
        for segment in 3..<12 {
            // A fast path, then a slow one: whatever the selector does, a segment once listed
            // keeps its rendition.
            let fast = segment < 7
            session.recordDelivery(
                ChunkDelivery(renditionIndex: 0, bytes: 500_000, durationSeconds: fast ? 0.05 : 8, mediaDurationSeconds: 2),
                transport: nil
            )
            for part in 0..<4 {
                for rendition in ["720p", "360p", "audio"] {
                    try store.appendPart(stream: "main", rendition: rendition, part: Fixtures.part(segment, part))
                }
                let window = try #require(store.autoWindow(stream: "main", ladder: ladder))
                let history = try #require(session.advance(window: window, ladder: ladder, configuration: table.configuration))
                #expect(history.frontier == segment)
                for msn in history.oldestMediaSequence...history.frontier {
                    let rendition = try #require(history.rendition(at: msn))
                    if let earlier = seen[msn] { #expect(earlier == rendition, "segment \(msn) changed rendition") }
                    seen[msn] = rendition
                }
                let text = AutoPlaylist.renderMedia(window: window, history: history, ladder: ladder)
                #expect(text.contains("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"../\(ladder.names[history.current])/part\(segment).\(part + 1).m4s\""))
            }
        }
        let summary = session.summary(nowNanoseconds: 2 * Self.second)
        #expect(summary.upSwitches >= 1 && summary.downSwitches >= 1, "the selector did not follow the path: \(summary)")
    }

    @Test func segmentPlayersAreDecidedLatePartPlayersGetTheHint() throws {
        let store = try Self.store()
        try Fixtures.publish(store, segments: 0..<3)
        let (table, _) = Self.table()
        let ladder = try #require(table.ladder(for: Fixtures.descriptor()))
        let session = table.session(forPlaylist: "main", explicitID: nil, clientSessionKey: nil, peerKey: 1, nowNanoseconds: Self.second)
        var window = try #require(store.autoWindow(stream: "main", ladder: ladder))
        var history = try #require(session.advance(window: window, ladder: ladder, configuration: table.configuration))
        // Segment 2 is complete and 3 not started: a player of whole segments is not told
        // about 3 yet, so its rendition is chosen when 3 starts, with the newest samples.
        #expect(history.frontier == 2)
        #expect(!AutoPlaylist.renderMedia(window: window, history: history, ladder: ladder).contains("PRELOAD-HINT"))
        try Fixtures.publish(store, segments: 3..<4, partsPerSegment: 1, endSegments: false)
        window = try #require(store.autoWindow(stream: "main", ladder: ladder))
        history = try #require(session.advance(window: window, ladder: ladder, configuration: table.configuration))
        #expect(history.frontier == 3)
        // Once it fetches parts, the next segment is chosen as soon as this one ends, for the hint.
        session.noteFetchesParts()
        for part in 1..<4 {
            for rendition in ["720p", "360p", "audio"] {
                try store.appendPart(stream: "main", rendition: rendition, part: Fixtures.part(3, part))
            }
        }
        for rendition in ["720p", "360p", "audio"] { try store.endSegment(stream: "main", rendition: rendition, mediaSequence: 3) }
        window = try #require(store.autoWindow(stream: "main", ladder: ladder))
        history = try #require(session.advance(window: window, ladder: ladder, configuration: table.configuration))
        #expect(history.frontier == 4)
        #expect(AutoPlaylist.renderMedia(window: window, history: history, ladder: ladder)
            .contains("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"../\(ladder.names[history.current])/part4.0.m4s\""))
    }

    @Test func cmcdFeedsTheSession() throws {
        let (table, registry) = Self.table()
        let session = table.session(forPlaylist: "main", explicitID: nil, clientSessionKey: nil, peerKey: 1, nowNanoseconds: Self.second)
        let report = try #require(try AutoRequest.clientData(
            query: "_HLS_msn=1&CMCD=bl%3D2500%2Cbs%2Cmtp%3D4000%2Csid%3D%22p1%22", headers: [:]
        ))
        #expect(report.sessionID == "p1")
        session.record(.clientData(report))
        let fromHeaders = try #require(AutoRequest.clientData(query: nil, headers: ["CMCD-Status": "bs", "CMCD-Request": "bl=800,mtp=900"]))
        session.record(.clientData(fromHeaders))
        #expect(AutoRequest.clientData(query: "_HLS_msn=1", headers: ["user-agent": "x"]) == nil)
        let summary = session.summary(nowNanoseconds: Self.second)
        #expect(summary.clientStalls == 2)
        #expect(summary.clientBufferSeconds == 0.8)
        #expect(summary.estimatedThroughputBitsPerSecond == 900_000, "with no delivery yet, the player's mtp")
        #expect(registry.exposition().contains("mutstream_abr_client_stalls_total{stream=\"main\"} 2"))
    }

    @Test func theInitialRenditionFollowsTheConfigurationOrTheClientsMeasure() throws {
        let store = try Self.store()
        try Fixtures.publish(store, segments: 0..<2)
        let (table, _) = Self.table()
        let ladder = try #require(table.ladder(for: Fixtures.descriptor()))
        let window = try #require(store.autoWindow(stream: "main", ladder: ladder))
        let plain = table.session(forPlaylist: "main", explicitID: nil, clientSessionKey: nil, peerKey: 1, nowNanoseconds: Self.second)
        #expect(plain.advance(window: window, ladder: ladder, configuration: table.configuration)?.current == 0, "1 Mbit/s: 360p")
        let measured = table.session(forPlaylist: "main", explicitID: nil, clientSessionKey: nil, peerKey: 2, nowNanoseconds: Self.second)
        var report = CMCDReport()
        report.measuredThroughputKbps = 5_000
        measured.record(.clientData(report))
        #expect(measured.advance(window: window, ladder: ladder, configuration: table.configuration)?.current == 1, "5 Mbit/s: 720p")
    }

    @Test func autoRoutes() {
        guard case .autoPlaylist("main") = Route.parse("/live/main/auto/index.m3u8?s=1").route else { Issue.record("auto"); return }
        guard case .autoMaster("main") = Route.parse("/live/main/auto/master.m3u8").route else { Issue.record("auto master"); return }
        guard case .notFound = Route.parse("/live/main/auto/init.mp4").route else { Issue.record("auto init"); return }
        guard case .notFound = Route.parse("/live/main/auto/seg1.m4s").route else { Issue.record("auto seg"); return }
    }
}
