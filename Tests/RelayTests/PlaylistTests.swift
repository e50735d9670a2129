import Foundation
import NIOCore
import Testing

@testable import Relay

/// Tag lines of a playlist as (name, attributes) where attributes are parsed per RFC 8216.
private func tags(_ text: String, _ name: String) -> [[String: String]] {
    text.split(separator: "\n").filter { $0.hasPrefix(name + ":") || $0 == name }.map { line in
        var attributes: [String: String] = [:]
        guard let colon = line.firstIndex(of: ":") else { return attributes }
        var rest = line[line.index(after: colon)...]
        while !rest.isEmpty {
            guard let equals = rest.firstIndex(of: "=") else { attributes["value"] = String(rest); break }
            let key = String(rest[..<equals])
            rest = rest[rest.index(after: equals)...]
            let value: Substring
            if rest.first == "\"" {
                let close = rest.dropFirst().firstIndex(of: "\"")!
                value = rest[rest.index(after: rest.startIndex)..<close]
                rest = rest[rest.index(after: close)...]
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = rest[..<end]
                rest = rest[end...]
            }
            attributes[key] = String(value)
            if rest.first == "," { rest = rest.dropFirst() }
        }
        return attributes
    }
}

@Suite("Playlists")
struct PlaylistTests {
    @Test func masterListsVariantsWithTheirAudio() throws {
        let store = try Fixtures.store()
        let text = String(buffer: try #require(store.masterPlaylist(stream: "main")))
        #expect(text.hasPrefix("#EXTM3U\n"))
        let media = tags(text, "#EXT-X-MEDIA")
        #expect(media.count == 1)
        #expect(media.first?["TYPE"] == "AUDIO")
        #expect(media.first?["GROUP-ID"] == "audio")
        #expect(media.first?["URI"] == "audio/index.m3u8")
        #expect(media.first?["DEFAULT"] == "YES")
        let variants = tags(text, "#EXT-X-STREAM-INF")
        #expect(variants.count == 2)
        #expect(variants[0]["BANDWIDTH"] == "3100000")
        #expect(variants[0]["AVERAGE-BANDWIDTH"] == "2596000")
        #expect(variants[0]["RESOLUTION"] == "1280x720")
        #expect(variants[0]["CODECS"] == "vp09.00.31.08,opus")
        #expect(variants[0]["FRAME-RATE"] == "30.000")
        #expect(variants[0]["AUDIO"] == "audio")
        #expect(text.contains("\n720p/index.m3u8\n"))
        #expect(text.contains("\n360p/index.m3u8\n"))
        #expect(store.masterPlaylist(stream: "nope") == nil)
    }

    @Test func mediaPlaylistCarriesLowLatencyTags() throws {
        let store = try Fixtures.store()
        try Fixtures.publish(store, segments: 5..<9)
        try Fixtures.publish(store, segments: 9..<10, partsPerSegment: 2, endSegments: false)
        let text = String(buffer: try #require(store.mediaPlaylist(stream: "main", rendition: "720p")))
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "#EXTM3U")
        #expect(lines.contains("#EXT-X-VERSION:9"))
        #expect(lines.contains("#EXT-X-TARGETDURATION:2"))
        #expect(lines.contains("#EXT-X-PART-INF:PART-TARGET=0.500"))
        #expect(lines.contains("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.500"))
        #expect(lines.contains("#EXT-X-MEDIA-SEQUENCE:5"))
        #expect(lines.contains("#EXT-X-MAP:URI=\"init.mp4\""))
        #expect(lines.filter { $0.hasPrefix("#EXTINF:") }.count == 4)
        #expect(lines.filter { $0.hasPrefix("seg") } == ["seg5.m4s", "seg6.m4s", "seg7.m4s", "seg8.m4s"])
        #expect(lines.contains("#EXTINF:2.00000,"))
        let parts = tags(text, "#EXT-X-PART")
        // Parts of the segments within three target durations of the live edge (7, 8) plus the open one (9).
        #expect(parts.count == 4 + 4 + 2)
        #expect(parts.first?["URI"] == "part7.0.m4s")
        #expect(parts.first?["INDEPENDENT"] == "YES")
        #expect(parts.first?["DURATION"] == "0.50000")
        #expect(parts[1]["INDEPENDENT"] == nil)
        #expect(parts.last?["URI"] == "part9.1.m4s")
        #expect(tags(text, "#EXT-X-PRELOAD-HINT").first == ["TYPE": "PART", "URI": "part9.2.m4s"])
        #expect(tags(text, "#EXT-X-PROGRAM-DATE-TIME").count == 5)
        let reports = tags(text, "#EXT-X-RENDITION-REPORT")
        #expect(reports.map { $0["URI"] } == ["../360p/index.m3u8", "../audio/index.m3u8"])
        #expect(reports.first?["LAST-MSN"] == "9")
        #expect(reports.first?["LAST-PART"] == "1")
        #expect(!text.contains("#EXT-X-ENDLIST"))
        // The open segment is never listed as a whole segment.
        #expect(!lines.contains("seg9.m4s"))
    }

    @Test func endedStreamGetsEndList() throws {
        let store = try Fixtures.store()
        try Fixtures.publish(store, segments: 0..<2, endSegments: false)
        try store.endStream(stream: "main")
        let text = String(buffer: try #require(store.mediaPlaylist(stream: "main", rendition: "360p")))
        #expect(text.hasSuffix("#EXT-X-ENDLIST\n"))
        #expect(!text.contains("PRELOAD-HINT"))
        #expect(text.contains("\nseg1.m4s\n"))
    }

    @Test func playlistIsCachedUntilTheNextChange() throws {
        let store = try Fixtures.store()
        try Fixtures.publish(store, segments: 0..<1)
        let first = try #require(store.mediaPlaylist(stream: "main", rendition: "720p"))
        let second = try #require(store.mediaPlaylist(stream: "main", rendition: "720p"))
        let shared = first.withUnsafeReadableBytes { a in second.withUnsafeReadableBytes { $0.baseAddress == a.baseAddress } }
        #expect(shared)
        // A part in another rendition changes this playlist's rendition reports.
        try store.appendPart(stream: "main", rendition: "audio", part: Fixtures.part(1, 0))
        let third = try #require(store.mediaPlaylist(stream: "main", rendition: "720p"))
        #expect(String(buffer: third).contains("LAST-MSN=1,LAST-PART=0"))
    }

    @Test func formatsDecimalsAndDates() {
        var text = ""
        text.appendDecimal(0.5)
        text += " "
        text.appendDecimal(2.0000004, fractionDigits: 5)
        text += " "
        text.appendDecimal(29.97)
        #expect(text == "0.500 2.00000 29.970")
        var date = ""
        date.appendISO8601(millisecondsSinceEpoch: 1_714_564_800_123)
        #expect(date == "2024-05-01T12:00:00.123Z")
        date = ""
        date.appendISO8601(millisecondsSinceEpoch: 951_782_400_000)  // leap day 2000
        #expect(date == "2000-02-29T00:00:00.000Z")
    }

    /// Cross-checks the playlists with an independent parser, the `m3u8` Python package
    /// (`pip install m3u8`; the Makefile's test goal installs it).
    @Test func thirdPartyParserReadsThePlaylists() throws {
        let store = try Fixtures.store()
        try Fixtures.publish(store, segments: 0..<3)
        try Fixtures.publish(store, segments: 3..<4, partsPerSegment: 1, endSegments: false)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("relay-m3u8-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(String(buffer: try #require(store.masterPlaylist(stream: "main"))).utf8).write(to: directory.appendingPathComponent("master.m3u8"))
        try Data(String(buffer: try #require(store.mediaPlaylist(stream: "main", rendition: "720p"))).utf8).write(to: directory.appendingPathComponent("media.m3u8"))
        let script = """
        import json, sys, m3u8
        master = m3u8.load(sys.argv[1] + "/master.m3u8")
        media = m3u8.load(sys.argv[1] + "/media.m3u8")
        print(json.dumps({
          "variants": [[p.uri, p.stream_info.bandwidth, p.stream_info.average_bandwidth, list(p.stream_info.resolution), p.stream_info.codecs, p.stream_info.audio] for p in master.playlists],
          "audio": [[m.type, m.group_id, m.uri] for m in master.media],
          "version": media.version, "target": media.target_duration, "sequence": media.media_sequence,
          "segments": [s.uri for s in media.segments if s.uri],
          "parts": sum(len(s.parts) for s in media.segments),
          "part_target": media.part_inf.part_target,
          "can_block": media.server_control.can_block_reload, "hold_back": media.server_control.part_hold_back,
          "hint": media.preload_hint.uri, "map": media.segment_map[0].uri,
        }))
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, directory.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "python3 with the m3u8 package is needed: pip install m3u8")
        let parsed = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let variants = try #require(parsed["variants"] as? [[Any]])
        #expect(variants.count == 2)
        #expect(variants.first?[0] as? String == "720p/index.m3u8")
        #expect(variants.first?[1] as? Int == 3_100_000)
        #expect(variants.first?[3] as? [Int] == [1280, 720])
        #expect(variants.first?[5] as? String == "audio")
        #expect((parsed["audio"] as? [[String]])?.first == ["AUDIO", "audio", "audio/index.m3u8"])
        #expect(parsed["version"] as? Int == 9)
        #expect(parsed["target"] as? Double == 2)
        #expect(parsed["sequence"] as? Int == 0)
        #expect(parsed["segments"] as? [String] == ["seg0.m4s", "seg1.m4s", "seg2.m4s"])
        // Parts are listed for segments within three target durations of the edge: 1, 2 and the open 3.
        #expect(parsed["parts"] as? Int == 4 * 2 + 1)
        #expect(parsed["part_target"] as? Double == 0.5)
        #expect(parsed["can_block"] as? String == "YES")
        #expect(parsed["hold_back"] as? Double == 1.5)
        #expect(parsed["hint"] as? String == "part3.1.m4s")
        #expect(parsed["map"] as? String == "init.mp4")
    }
}
