import Testing

// The sniffer's sources are linked into this folder from Sources/Edge (the package has no
// Edge unit-test target yet): pure code, tested here with no network.
@Suite("RTMP handshake sniffer")
struct RTMPHandshakeSnifferTests {
    static let key = "streamkey-0123456789"

    /// What a relay would have done: bytes released before the last verdict, and that verdict.
    struct Run {
        var releasedBytes = 0
        var verdict: RTMPHandshakeSniffer.Verdict = .needMore
    }

    static func feed(_ bytes: [UInt8], cuts: [Int] = [], app: String = "live", key: String = key, byteLimit: Int = 64 * 1024) -> Run {
        var sniffer = RTMPHandshakeSniffer(expectedApp: app, streamKey: key, byteLimit: byteLimit)
        var run = Run()
        var start = 0
        for end in (cuts.filter { $0 > 0 && $0 < bytes.count }.sorted() + [bytes.count]) where end > start {
            let verdict = sniffer.feed(bytes[start..<end])
            start = end
            switch verdict {
            case .forwardUpTo(let offset):
                #expect(offset > run.releasedBytes && offset <= end, "released bytes only grow, and only bytes received")
                run.releasedBytes = offset
            case .needMore:
                break
            case .verified, .refused:
                run.verdict = verdict
                return run
            }
            run.verdict = verdict
        }
        return run
    }

    static func randomCuts(_ count: Int, in length: Int, using generator: inout SplitMix64) -> [Int] {
        (0..<count).map { _ in Int.random(in: 1..<length, using: &generator) }
    }

    // MARK: Real ffmpeg pushes

    @Test("a real ffmpeg push with the key is verified at its publish; everything before it was released")
    func realPushVerified() {
        let capture = RTMPCaptures.rightKey
        let whole = Self.feed(capture)
        #expect(whole.verdict == .verified)
        // One byte short of the publish: released up to the publish chunk, held from there.
        var sniffer = RTMPHandshakeSniffer(expectedApp: "live", streamKey: Self.key)
        let beforeEnd = sniffer.feed(capture[..<(RTMPCaptures.rightKeyPublishEnd - 1)])
        #expect(beforeEnd == .forwardUpTo(RTMPCaptures.rightKeyPublishEnd - 50 - 12), "the 50-byte publish and its 12-byte header are held")
        #expect(sniffer.feed(capture[(RTMPCaptures.rightKeyPublishEnd - 1)...]) == .verified)
    }

    @Test("a real push with a ?query after the key is verified")
    func realPushWithQuery() {
        #expect(Self.feed(RTMPCaptures.keyWithQuery).verdict == .verified)
    }

    @Test("real pushes split at random points decide the same, and never release a wrong key's commands")
    func randomSplits() {
        var generator = SplitMix64(state: 0x5EED)
        let cases: [([UInt8], RTMPHandshakeSniffer.Verdict, Int)] = [
            (RTMPCaptures.rightKey, .verified, RTMPCaptures.rightKeyPublishEnd),
            (RTMPCaptures.keyWithQuery, .verified, RTMPCaptures.keyWithQueryPublishEnd),
            // releaseStream (right after connect and Set Chunk Size) already names the wrong key.
            (RTMPCaptures.wrongKey, .refused(.wrongStreamKey), RTMPHandshakeSniffer.handshakeBytes + 140 + 13 + 16),
            (RTMPCaptures.wrongApp, .refused(.wrongApp("other")), RTMPHandshakeSniffer.handshakeBytes),
        ]
        for (capture, expected, releaseLimit) in cases {
            for round in 0..<150 {
                let cuts = Self.randomCuts(round % 3 == 0 ? 400 : Int.random(in: 1...40, using: &generator), in: capture.count, using: &generator)
                let run = Self.feed(capture, cuts: cuts)
                #expect(run.verdict == expected, "cuts \(cuts.sorted())")
                #expect(run.releasedBytes <= releaseLimit, "released \(run.releasedBytes) > \(releaseLimit) with cuts \(cuts.sorted())")
            }
        }
    }

    @Test("one byte at a time")
    func byteByByte() {
        let capture = RTMPCaptures.rightKey
        let run = Self.feed(capture, cuts: Array(1..<capture.count))
        #expect(run.verdict == .verified)
        #expect(run.releasedBytes == RTMPCaptures.rightKeyPublishEnd - 50 - 12)
    }

    @Test("every truncation of a good push only waits: never verified, never refused")
    func truncated() {
        let capture = RTMPCaptures.rightKey
        for length in stride(from: 0, to: RTMPCaptures.rightKeyPublishEnd, by: 7) {
            var sniffer = RTMPHandshakeSniffer(expectedApp: "live", streamKey: Self.key)
            let verdict = sniffer.feed(capture[..<length])
            #expect(verdict == .needMore || { if case .forwardUpTo = verdict { return true }; return false }(), "length \(length): \(verdict)")
        }
    }

    @Test("the wrong key and the wrong app are refused; the app compares without ?query or trailing slash")
    func wrongKeyAndApp() {
        #expect(Self.feed(RTMPCaptures.wrongKey).verdict == .refused(.wrongStreamKey))
        #expect(Self.feed(RTMPCaptures.wrongApp).verdict == .refused(.wrongApp("other")))
        #expect(Self.feed(RTMPCaptures.rightKey, key: "streamkey-012345678").verdict == .refused(.wrongStreamKey), "a prefix of the name is not the key")
        #expect(Self.feed(RTMPCaptures.rightKey, key: "streamkey-0123456789x").verdict == .refused(.wrongStreamKey))
        var stream = RTMPTestStream()
        stream.connect(app: "live/?vhost=a")
        stream.publish(Self.key)
        #expect(Self.feed(stream.bytes).verdict == .verified)
    }

    // MARK: Synthetic streams

    @Test("garbage is refused, whatever it is")
    func garbage() {
        #expect(Self.feed(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)).verdict == .refused(.notRTMP(firstByte: 0x47)))
        #expect(Self.feed([0x16, 0x03, 0x01, 0x02, 0x00]).verdict == .refused(.notRTMP(firstByte: 0x16)), "TLS")
        #expect(Self.feed([6] + [UInt8](repeating: 1, count: 3072)).verdict == .refused(.notRTMP(firstByte: 6)), "RTMPE")
        var generator = SplitMix64(state: 42)
        for round in 0..<300 {
            let noise = (0..<Int.random(in: 1...9000, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            // After a good handshake and connect, so the noise reaches the chunk parser.
            var stream = RTMPTestStream()
            stream.connect(app: "live")
            stream.append(noise)
            let run = Self.feed(stream.bytes + [UInt8](repeating: 0xC3, count: 70_000), cuts: [round % 50 + 3073])
            #expect(run.verdict != .verified, "round \(round)")
            if case .refused = run.verdict {} else { Issue.record("round \(round): \(run.verdict) after 70 KB of noise") }
        }
    }

    @Test("chunk size changes: 128 by default, then what Set Chunk Size says, down to 1 byte")
    func chunkSizes() {
        for size in [1, 7, 60, 128, 129, 4096, 65_536] {
            var stream = RTMPTestStream()
            stream.connect(app: "live")  // spans two 128-byte chunks
            stream.setChunkSize(size)
            stream.command([.string("releaseStream"), .number(2), .null, .string(Self.key)])
            let publish = stream.publish(Self.key + "?" + String(repeating: "p", count: 300))
            for cuts in [[], Array(1..<stream.bytes.count)] {
                let run = Self.feed(stream.bytes, cuts: cuts)
                #expect(run.verdict == .verified, "chunk size \(size)")
                #expect(run.releasedBytes <= publish, "chunk size \(size)")
            }
        }
    }

    @Test("a publish interleaved with other chunk streams is held from its first chunk")
    func interleaved() {
        var stream = RTMPTestStream()
        stream.connect(app: "live")
        let publishPayload = ([.string("publish"), .number(6), .null, .string(Self.key + "?" + String(repeating: "q", count: 200))] as [RTMPTestStream.AMF]).flatMap(\.encoded)
        let publishChunks = RTMPTestStream.chunks(type: 20, payload: publishPayload, chunkStreamID: 70_000 % 65_000, chunkSizeBytes: 128)
        let checkBandwidth = RTMPTestStream.chunks(type: 20, payload: ([.string("_checkbw"), .number(5), .null] as [RTMPTestStream.AMF]).flatMap(\.encoded),
                                                   chunkStreamID: 100, chunkSizeBytes: 128)
        let publishStart = stream.bytes.count
        stream.append(publishChunks[0])
        stream.append(checkBandwidth[0])
        stream.append(RTMPTestStream.chunks(type: 5, payload: [0, 0x26, 0x25, 0xA0], chunkStreamID: 2, chunkSizeBytes: 128)[0])
        let beforeLastChunk = stream.bytes.count
        for chunk in publishChunks.dropFirst() { stream.append(chunk) }
        var sniffer = RTMPHandshakeSniffer(expectedApp: "live", streamKey: Self.key)
        #expect(sniffer.feed(stream.bytes[..<beforeLastChunk]) == .forwardUpTo(publishStart), "held from the publish's first chunk")
        #expect(sniffer.feed(stream.bytes[beforeLastChunk...]) == .verified)
    }

    @Test("2- and 3-byte chunk stream ids and extended timestamps")
    func headerForms() {
        var stream = RTMPTestStream()
        stream.connect(app: "live")
        stream.command([.string("FCPublish"), .number(3), .null, .string(Self.key)], chunkStreamID: 300, timestamp: 0x0100_0000)
        stream.publish(Self.key, chunkStreamID: 40_000)
        #expect(Self.feed(stream.bytes, cuts: Array(1..<stream.bytes.count)).verdict == .verified)
    }

    @Test("media before publish is held, not released; the order of commands is enforced")
    func orderAndHolding() {
        var stream = RTMPTestStream()
        stream.connect(app: "live")
        let media = stream.message(type: 9, payload: [UInt8](repeating: 0x17, count: 300), chunkStreamID: 6)
        stream.command([.string("createStream"), .number(4), .null])
        let held = Self.feed(stream.bytes)
        #expect(held.releasedBytes == media && held.verdict == .forwardUpTo(media), "released up to the media message, held after")
        stream.publish(Self.key)
        #expect(Self.feed(stream.bytes).verdict == .verified)

        var early = RTMPTestStream()
        early.publish(Self.key)
        #expect(Self.feed(early.bytes).verdict == .refused(.malformed("'publish' before connect")))

        var player = RTMPTestStream()
        player.connect(app: "live")
        player.command([.string("play"), .number(4), .null, .string(Self.key)])
        #expect(Self.feed(player.bytes).verdict == .refused(.notPublishing("play")))

        var noApp = RTMPTestStream()
        noApp.command([.string("connect"), .number(1), .object([("tcUrl", .string("rtmp://x/live"))])])
        #expect(Self.feed(noApp.bytes).verdict == .refused(.malformed("connect without an app")))
    }

    @Test("more than the byte limit without a publish is refused")
    func byteLimit() {
        var stream = RTMPTestStream()
        stream.connect(app: "live")
        while stream.bytes.count < 70_000 { stream.command([.string("_checkbw"), .number(5), .null]) }
        let run = Self.feed(stream.bytes, cuts: Array(stride(from: 1000, to: 70_000, by: 1000)))
        #expect(run.verdict == .refused(.tooManyBytes(limitBytes: 64 * 1024)))
        var oversized = RTMPTestStream()
        oversized.connect(app: "live")
        oversized.append(RTMPTestStream.chunks(type: 20, payload: [UInt8](repeating: 2, count: 128), chunkStreamID: 3, chunkSizeBytes: 128)[0])
        // The header claims 128 bytes: fine. A declared 1 MB command is refused at its header.
        oversized.append([0x04, 0, 0, 0, 0x10, 0, 0, 20, 0, 0, 0, 0])
        if case .refused(.malformed) = Self.feed(oversized.bytes).verdict {} else { Issue.record("a 1 MB command header was not refused") }
    }

    @Test("AMF0: truncated values, unknown markers and deep nesting are errors")
    func amf0() throws {
        #expect(throws: AMF0Error.self) { var r = AMF0Reader([2, 0, 9, 0x61]); _ = try r.read() }
        #expect(throws: AMF0Error.self) { var r = AMF0Reader([0x11]); _ = try r.read() }
        #expect(throws: AMF0Error.self) { var r = AMF0Reader([0x0A, 0xFF, 0xFF, 0xFF, 0xFF]); _ = try r.read() }
        #expect(throws: AMF0Error.self) { var r = AMF0Reader([UInt8](repeating: 3, count: 40).flatMap { [$0, 0, 1, 0x61] }); _ = try r.read() }
        var reader = AMF0Reader(RTMPTestStream.AMF.object([("app", .string("live")), ("n", .number(2.5))]).encoded + [5])
        #expect(try reader.readAll() == [.object([("app", .string("live")), ("n", .number(2.5))]), .null])
    }
}
