import NIOCore
import NIOPosix
import Testing

@testable import Relay

@Suite("ChunkStore")
struct ChunkStoreTests {
    @Test func partsAreStoredInOrderAndServedWithoutCopy() throws {
        let store = try Fixtures.store()
        let part = Fixtures.part(10, 0)
        try store.appendPart(stream: "main", rendition: "720p", part: part)
        let served = try #require(store.part(stream: "main", rendition: "720p", position: PartPosition(mediaSequence: 10, partIndex: 0)))
        #expect(served == part.payload)
        // Same storage: reading hands out the published buffer, not a copy.
        let samePointer = served.withUnsafeReadableBytes { servedBytes in
            part.payload.withUnsafeReadableBytes { $0.baseAddress == servedBytes.baseAddress }
        }
        #expect(samePointer)
    }

    @Test func refusesOutOfOrderParts() throws {
        let store = try Fixtures.store()
        try store.appendPart(stream: "main", rendition: "720p", part: Fixtures.part(0, 0))
        #expect(throws: ChunkStoreError.outOfOrder(stream: "main", rendition: "720p", mediaSequence: 0, partIndex: 2)) {
            try store.appendPart(stream: "main", rendition: "720p", part: Fixtures.part(0, 2))
        }
        #expect(throws: ChunkStoreError.outOfOrder(stream: "main", rendition: "720p", mediaSequence: 2, partIndex: 0)) {
            try store.appendPart(stream: "main", rendition: "720p", part: Fixtures.part(2, 0))
        }
        #expect(throws: ChunkStoreError.unknownRendition(stream: "main", rendition: "1080p")) {
            try store.appendPart(stream: "main", rendition: "1080p", part: Fixtures.part(0, 1))
        }
        #expect(throws: ChunkStoreError.unknownStream("other")) {
            try store.appendPart(stream: "other", rendition: "720p", part: Fixtures.part(0, 1))
        }
        // The next segment's first part completes the previous segment.
        try store.appendPart(stream: "main", rendition: "720p", part: Fixtures.part(0, 1))
        #expect(store.segmentParts(stream: "main", rendition: "720p", mediaSequence: 0) == nil)
        try store.appendPart(stream: "main", rendition: "720p", part: Fixtures.part(1, 0))
        #expect(store.segmentParts(stream: "main", rendition: "720p", mediaSequence: 0)?.count == 2)
    }

    @Test func refusesUnsafeNames() {
        let store = ChunkStore()
        for bad in ["", "..", ".hidden", "a/b", "a%2e", "sp ace", "auto-is-fine-but-this-is-way-too-long-for-a-name-0123456789abcdef"] {
            var descriptor = Fixtures.descriptor(name: bad)
            descriptor.name = bad
            #expect(throws: ChunkStoreError.invalidName(bad)) { try store.addStream(descriptor) }
        }
        var reserved = Fixtures.descriptor(name: "ok")
        reserved.renditions[0].name = "auto"
        #expect(throws: ChunkStoreError.invalidName("auto")) { try store.addStream(reserved) }
    }

    @Test func segmentCapIsEnforced() throws {
        let store = try Fixtures.store(configuration: ChunkStoreConfiguration(maxPartsPerSegment: 3))
        for index in 0..<3 {
            try store.appendPart(stream: "main", rendition: "720p", part: Fixtures.part(0, index))
        }
        #expect(throws: ChunkStoreError.tooManyParts(stream: "main", rendition: "720p", mediaSequence: 0)) {
            try store.appendPart(stream: "main", rendition: "720p", part: Fixtures.part(0, 3))
        }
    }

    @Test func windowEvictionBoundsMemory() throws {
        let store = try Fixtures.store(configuration: ChunkStoreConfiguration(windowSegments: 4))
        let partBytes = 10_000
        try Fixtures.publish(store, segments: 0..<200, size: partBytes, renditions: ["720p"])
        let statistics = try #require(store.statistics().first { $0.rendition == "720p" })
        #expect(statistics.segments == 4)
        #expect(statistics.parts == 16)
        #expect(statistics.payloadBytes <= 4 * 4 * partBytes + 100)
        #expect(statistics.segmentsEvicted == 196)
        #expect(store.segmentParts(stream: "main", rendition: "720p", mediaSequence: 195) == nil)
        #expect(store.segmentParts(stream: "main", rendition: "720p", mediaSequence: 196)?.count == 4)
    }

    @Test func byteBoundEvictsEarly() throws {
        let store = try Fixtures.store(configuration: ChunkStoreConfiguration(windowSegments: 6, maxBytesPerRendition: 50_000))
        try Fixtures.publish(store, segments: 0..<20, size: 5_000, renditions: ["720p"])
        let statistics = try #require(store.statistics().first { $0.rendition == "720p" })
        #expect(statistics.payloadBytes - "init 720p".utf8.count <= 50_000)
        #expect(statistics.segments == 2)
    }

    @Test func waiterCompletesWhenPartLands() async throws {
        let store = try Fixtures.store()
        try store.appendPart(stream: "main", rendition: "720p", part: Fixtures.part(0, 0))
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let waiting = store.wait(
            for: .part(PartPosition(mediaSequence: 0, partIndex: 1)), stream: "main", rendition: "720p",
            timeout: .seconds(5), on: loop
        )
        #expect(store.statistics().first { $0.rendition == "720p" }?.waiters == 1)
        try store.appendPart(stream: "main", rendition: "720p", part: Fixtures.part(0, 1))
        #expect(try await waiting.get() == .ready)
        #expect(store.statistics().first { $0.rendition == "720p" }?.waiters == 0)
    }

    @Test func waiterTimesOutAndIsRemoved() async throws {
        let store = try Fixtures.store()
        try store.appendPart(stream: "main", rendition: "720p", part: Fixtures.part(0, 0))
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let outcome = try await store.wait(
            for: .part(PartPosition(mediaSequence: 0, partIndex: 1)), stream: "main", rendition: "720p",
            timeout: .milliseconds(50), on: loop
        ).get()
        #expect(outcome == .timedOut)
        #expect(store.statistics().first { $0.rendition == "720p" }?.waiters == 0)
    }

    @Test func waitersEndWithTheStream() async throws {
        let store = try Fixtures.store()
        try store.appendPart(stream: "main", rendition: "720p", part: Fixtures.part(0, 0))
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let part = store.wait(for: .part(PartPosition(mediaSequence: 0, partIndex: 1)), stream: "main", rendition: "720p", timeout: .seconds(5), on: loop)
        let playlist = store.wait(for: .playlistPart(PartPosition(mediaSequence: 0, partIndex: 1)), stream: "main", rendition: "720p", timeout: .seconds(5), on: loop)
        try store.endStream(stream: "main")
        #expect(try await part.get() == .unavailable)
        #expect(try await playlist.get() == .ready)
        #expect(throws: ChunkStoreError.streamEnded("main")) {
            try store.appendPart(stream: "main", rendition: "720p", part: Fixtures.part(0, 1))
        }
    }

    @Test func playlistWaitMatchesSpecSemantics() throws {
        let store = try Fixtures.store()
        try Fixtures.publish(store, segments: 0..<1, renditions: ["720p"], endSegments: false)
        func decide(_ msn: Int?, _ part: Int?) -> PlaylistRequestDecision {
            store.decidePlaylistRequest(stream: "main", rendition: "720p", mediaSequence: msn, partIndex: part, maxWaitSeconds: 1)
        }
        #expect(decide(nil, nil) == .ready)
        #expect(decide(0, 3) == .ready)
        #expect(decide(0, nil) == .wait(.playlistSegment(0), timeoutSeconds: 1))
        #expect(decide(1, 0) == .wait(.playlistPart(PartPosition(mediaSequence: 1, partIndex: 0)), timeoutSeconds: 1))
        #expect(decide(3, nil) == .badRequest)
        #expect(decide(0, 10) == .badRequest)
        #expect(decide(1, 7) == .badRequest)
        try store.endSegment(stream: "main", rendition: "720p", mediaSequence: 0)
        #expect(decide(0, nil) == .ready)
        // A part index past the segment's last part means the next segment's first part.
        #expect(decide(0, 4) == .wait(.playlistPart(PartPosition(mediaSequence: 0, partIndex: 4)), timeoutSeconds: 1))
        try store.appendPart(stream: "main", rendition: "720p", part: Fixtures.part(1, 0))
        #expect(decide(0, 4) == .ready)
    }

    @Test func discontinuitySequenceCountsEvictedDiscontinuities() throws {
        let store = try Fixtures.store(configuration: ChunkStoreConfiguration(windowSegments: 3))
        try Fixtures.publish(store, segments: 0..<2, renditions: ["720p"])
        try store.markDiscontinuity(stream: "main")
        try Fixtures.publish(store, segments: 2..<3, renditions: ["720p"])
        var text = String(buffer: try #require(store.mediaPlaylist(stream: "main", rendition: "720p")))
        #expect(text.contains("#EXT-X-DISCONTINUITY\n"))
        #expect(!text.contains("#EXT-X-DISCONTINUITY-SEQUENCE"))
        try Fixtures.publish(store, segments: 3..<6, renditions: ["720p"])
        text = String(buffer: try #require(store.mediaPlaylist(stream: "main", rendition: "720p")))
        #expect(text.contains("#EXT-X-DISCONTINUITY-SEQUENCE:1\n"))
        #expect(!text.contains("#EXT-X-DISCONTINUITY\n"))
    }

    @Test func publishingFromManyThreadsWhileReading() async throws {
        let store = try Fixtures.store(configuration: ChunkStoreConfiguration(windowSegments: 3))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for rendition in ["720p", "360p", "audio"] {
                group.addTask { try Fixtures.publish(store, segments: 0..<300, size: 100, renditions: [rendition]) }
            }
            group.addTask {
                for _ in 0..<2_000 {
                    _ = store.mediaPlaylist(stream: "main", rendition: "720p")
                    _ = store.statistics()
                }
            }
            try await group.waitForAll()
        }
        #expect(store.statistics().allSatisfy { $0.segments == 3 && $0.lastMediaSequence == 299 })
    }
}
