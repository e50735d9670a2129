import Adaptation
import Foundation
import Glibc
import NIOCore
import Testing

@testable import Relay

/// `auto` playlists over real sockets: a player that reads slowly is moved down, one that
/// reads fast is moved up, from what the server measures of its responses.
@Suite("Auto serving", .serialized)
struct AutoServingTests {
    /// Three video rungs, 1-s segments of two 0.5-s parts, part sizes true to the bit rates.
    static let ladderKbps = ["low": 200, "mid": 500, "high": 1_500]

    static func store() throws -> ChunkStore {
        let store = ChunkStore(configuration: ChunkStoreConfiguration(windowSegments: 6))
        try store.addStream(StreamDescriptor(
            name: "main", segmentTargetSeconds: 1, partTargetSeconds: 0.5,
            renditions: ["high", "mid", "low"].map { name in
                let bitsPerSecond = Self.ladderKbps[name]! * 1000
                return .video(name: name, averageBandwidthBitsPerSecond: bitsPerSecond, peakBandwidthBitsPerSecond: bitsPerSecond * 3 / 2,
                              width: 640, height: 360, frameRate: 30, codecs: "vp09.00.21.08")
            } + [.audio(name: "audio", averageBandwidthBitsPerSecond: 64_000, peakBandwidthBitsPerSecond: 70_000, codecs: "opus")]
        ))
        for name in ["high", "mid", "low", "audio"] {
            try store.setInit(stream: "main", rendition: name, bytes: Array("init \(name)".utf8))
        }
        return store
    }

    static func publish(_ store: ChunkStore, segment: Int) throws {
        for part in 0..<2 {
            for (name, kbps) in Self.ladderKbps.sorted(by: { $0.key < $1.key }) {
                try store.appendPart(stream: "main", rendition: name, part: Fixtures.part(segment, part, size: kbps * 1000 / 16))
            }
            try store.appendPart(stream: "main", rendition: "audio", part: Fixtures.part(segment, part, size: 4_000))
        }
        for name in ["high", "mid", "low", "audio"] {
            try store.endSegment(stream: "main", rendition: name, mediaSequence: segment)
        }
    }

    /// Plays the auto playlist one whole segment at a time, as a non-LL player does; returns
    /// the rendition of each segment it fetched, in order.
    static func play(
        port: Int, store: ChunkStore, firstSegment: Int, segments: Int, readBytesPerSecond: Int?
    ) throws -> (renditions: [String], sessionID: String) {
        let client = try PacedHTTPClient(port: port, receiveBufferBytes: readBytesPerSecond == nil ? nil : 8_192)
        var sessionID: String?
        var fetched: [String] = []
        var next = firstSegment
        for _ in 0..<segments {
            let path = "/live/main/auto/index.m3u8" + (sessionID.map { "?s=\($0)" } ?? "")
            let playlist = try client.get(path, readBytesPerSecond: nil)
            #expect(playlist.status == 200)
            #expect(playlist.headers["cache-control"] == "no-store")
            sessionID = sessionID ?? playlist.headers["x-mutstream-session"]
            let line = try #require(
                playlist.text.split(separator: "\n").first { $0.hasPrefix("../") && $0.hasSuffix("/seg\(next).m4s") },
                "segment \(next) not listed:\n\(playlist.text)"
            )
            let rendition = String(line.split(separator: "/")[1])
            let segment = try client.get("/live/main/\(rendition)/seg\(next).m4s", readBytesPerSecond: readBytesPerSecond)
            #expect(segment.status == 200)
            #expect(segment.body.count == 2 * Self.ladderKbps[rendition]! * 1000 / 16)
            fetched.append(rendition)
            next += 1
            try Self.publish(store, segment: next + 1)
        }
        return (fetched, try #require(sessionID))
    }

    @Test func aSlowReaderGetsALowerRenditionWithinTwoSegments() async throws {
        let store = try Self.store()
        for segment in 0..<3 { try Self.publish(store, segment: segment) }
        try await withRunningServer(store: store, configure: { $0.autoSessions.initialBitrateKbps = 10_000 }) { running in
            // 100 kB/s (800 kbit/s): the 1.5-Mbit/s rung takes two seconds a segment.
            let (renditions, id) = try Self.play(port: running.port, store: store, firstSegment: 1, segments: 4, readBytesPerSecond: 100_000)
            #expect(renditions.first == "high", "starts where configured: \(renditions)")
            let firstLower = try #require(renditions.firstIndex { $0 != "high" }, "never moved down: \(renditions)")
            #expect(firstLower <= 2, "moved down only at segment \(firstLower): \(renditions)")
            #expect(renditions.dropFirst(firstLower).allSatisfy { $0 != "high" }, "\(renditions)")
            let summary = try #require(running.server.autoSessions.summaries(limit: 10).first { $0.id == id })
            #expect(summary.downSwitches >= 1)
            let throughput = try #require(summary.estimatedThroughputBitsPerSecond)
            #expect(throughput > 300_000 && throughput < 3_000_000, "estimate \(throughput) for an 800-kbit/s reader")
            #expect(summary.minRTTSeconds != nil, "TCP_INFO reached the session")
            let metrics = running.registry.exposition()
            #expect(metrics.contains("mutstream_abr_switches_total{stream=\"main\",direction=\"down\"}"))
            #expect(metrics.contains("mutstream_abr_sessions{stream=\"main\"} 1"))
            #expect(metrics.contains("mutstream_abr_estimated_throughput_bits_per_second_count{stream=\"main\"}"))
            #expect(metrics.contains("mutstream_abr_rtt_seconds_bucket{stream=\"main\",le=\"0.001\"}"))
        }
    }

    @Test func aFastReaderStepsUp() async throws {
        let store = try Self.store()
        for segment in 0..<3 { try Self.publish(store, segment: segment) }
        try await withRunningServer(store: store, configure: { $0.autoSessions.initialBitrateKbps = 100 }) { running in
            let (renditions, id) = try Self.play(port: running.port, store: store, firstSegment: 1, segments: 5, readBytesPerSecond: nil)
            #expect(renditions.first == "low", "\(renditions)")
            #expect(renditions.last == "high", "a loopback reader ends on the top rung: \(renditions)")
            let summary = try #require(running.server.autoSessions.summaries(limit: 10).first { $0.id == id })
            #expect(summary.upSwitches >= 1)
            #expect(summary.deliveries >= 2)
            let metrics = running.registry.exposition()
            #expect(metrics.contains("mutstream_abr_chosen_sessions{stream=\"main\",rendition=\"high\"} 1"))
            #expect(metrics.contains("mutstream_http_requests_total{route=\"auto\",code=\"200\"}"))
        }
    }

    @Test func autoMasterCarriesTheSessionAndTheAudio() async throws {
        let store = try Self.store()
        for segment in 0..<2 { try Self.publish(store, segment: segment) }
        try await withRunningServer(store: store) { running in
            let client = try running.client()
            let master = try client.request("GET", "/live/main/auto/master.m3u8")
            #expect(master.status == 200)
            #expect(master.headers["cache-control"] == "no-store")
            let id = try #require(master.headers["x-mutstream-session"])
            #expect(master.text.contains("#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"audio\""))
            #expect(master.text.contains("URI=\"../audio/index.m3u8\""))
            #expect(master.text.contains("BANDWIDTH=2320000,"), "top peak 2.25 Mbit/s + audio 70 kbit/s:\n\(master.text)")
            #expect(master.text.hasSuffix("\nindex.m3u8?s=\(id)\n"))
            let media = try client.request("GET", "/live/main/auto/index.m3u8?s=\(id)")
            #expect(media.headers["x-mutstream-session"] == id)
            #expect(media.text.contains("#EXT-X-MAP:URI=\"../"))
            #expect(try client.request("GET", "/live/nope/auto/index.m3u8").status == 404)
            #expect(try client.request("GET", "/live/main/auto/index.m3u8?_HLS_part=1").status == 400)
            // A blocking reload on the session's rendition is answered once the part exists.
            let blocked = try client.request("GET", "/live/main/auto/index.m3u8?s=\(id)&_HLS_msn=2&_HLS_part=0", headers: [], body: "")
            #expect(blocked.status == 503, "nothing published: held, then 503")
        }
    }

    @Test func tcpInfoOfALoopbackConnection() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                guard bind(listener, raw, length) == 0, listen(listener, 1) == 0, getsockname(listener, raw, &length) == 0 else {
                    throw POSIXFailure(errno)
                }
            }
        }
        let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(client) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, length) }
        }
        #expect(connected == 0)
        let server = accept(listener, nil, nil)
        defer { close(server) }
        #expect(server >= 0)

        let before = try #require(TCPInfo.read(fileDescriptor: server))
        var payload = [UInt8](repeating: 7, count: 1 << 20)
        var received = [UInt8](repeating: 0, count: 1 << 16)
        var sent = 0
        var got = 0
        while got < payload.count {
            if sent < payload.count {
                let count = payload.withUnsafeMutableBytes { send(server, $0.baseAddress! + sent, min(65_536, $0.count - sent), Int32(MSG_DONTWAIT)) }
                if count > 0 { sent += count }
            }
            let count = received.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count > 0 { got += count }
        }
        let after = try #require(TCPInfo.read(fileDescriptor: server))
        #expect(after.rttMicroseconds > 0 && after.rttMicroseconds < 1_000_000, "\(after)")
        #expect(after.minRTTMicroseconds > 0 && after.minRTTMicroseconds <= after.rttMicroseconds + 1_000, "\(after)")
        #expect(after.sendMSSBytes >= 536, "\(after)")
        #expect(after.congestionWindowSegments >= 1, "\(after)")
        #expect(after.bytesAcked - before.bytesAcked >= UInt64(payload.count) - 65_536, "\(after)")
        #expect(after.deliveryRateBytesPerSecond > 1_000_000, "loopback moves more than 1 MB/s: \(after)")
        #expect(after.totalRetransmits == 0)
        let sample = after.transportSample
        #expect(sample.rttSeconds == Double(after.rttMicroseconds) / 1e6)
        #expect(sample.congestionWindowBytes == Double(after.congestionWindowSegments) * Double(after.sendMSSBytes))
        #expect(TCPInfo.read(fileDescriptor: -1) == nil)
    }
}

struct POSIXFailure: Error {
    let code: Int32
    init(_ code: Int32) { self.code = code }
}

/// A keep-alive HTTP/1.1 client that can read bodies at a set pace (a small receive buffer
/// makes the pace reach the server as TCP backpressure).
final class PacedHTTPClient {
    private let descriptor: Int32
    private var buffer: [UInt8] = []

    init(port: Int, receiveBufferBytes: Int?) throws {
        self.descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(self.descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        if var receiveBufferBytes {
            setsockopt(self.descriptor, SOL_SOCKET, SO_RCVBUF, &receiveBufferBytes, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(self.descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw POSIXFailure(errno) }
    }

    deinit { close(self.descriptor) }

    func get(_ path: String, readBytesPerSecond: Int?) throws -> RawHTTPClient.Response {
        let request = Array("GET \(path) HTTP/1.1\r\nhost: localhost\r\nuser-agent: paced-test\r\n\r\n".utf8)
        let written = request.withUnsafeBytes { send(self.descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard written == request.count else { throw POSIXFailure(errno) }
        while self.headerEnd() == nil { try self.receive(limit: 65_536) }
        let end = self.headerEnd()!
        let text = String(decoding: self.buffer[..<end], as: UTF8.self)
        self.buffer.removeFirst(end + 4)
        var lines = text.split(separator: "\r\n")
        let status = Int(lines.removeFirst().split(separator: " ")[1]) ?? 0
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingSpaces()
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        let start = Fixtures.monotonicSeconds()
        while self.buffer.count < length {
            if let pace = readBytesPerSecond {
                // Stay on the pace: sleep until the bytes read so far are due.
                let due = start + Double(self.buffer.count) / Double(pace)
                let wait = due - Fixtures.monotonicSeconds()
                if wait > 0 { usleep(UInt32(wait * 1e6)) }
                try self.receive(limit: 4_096)
            } else {
                try self.receive(limit: 65_536)
            }
        }
        let body = Array(self.buffer[..<length])
        self.buffer.removeFirst(length)
        return RawHTTPClient.Response(status: status, headers: headers, body: body)
    }

    private func headerEnd() -> Int? {
        guard self.buffer.count >= 4 else { return nil }
        for index in 0...(self.buffer.count - 4)
        where self.buffer[index] == 13 && self.buffer[index + 1] == 10 && self.buffer[index + 2] == 13 && self.buffer[index + 3] == 10 {
            return index
        }
        return nil
    }

    private func receive(limit: Int) throws {
        var chunk = [UInt8](repeating: 0, count: limit)
        let count = chunk.withUnsafeMutableBytes { recv(self.descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { throw POSIXFailure(count == 0 ? 0 : errno) }
        self.buffer.append(contentsOf: chunk[..<count])
    }
}
