import Foundation

/// The Python m3u8 package as an independent LL-HLS parser: a media playlist's tags as it
/// reads them, as JSON.
enum M3U8Parser {
    struct Media: Decodable {
        struct Part: Decodable { var uri: String; var duration: Double; var independent: Bool }
        struct Segment: Decodable { var uri: String?; var duration: Double?; var map: String?; var parts: [Part] }
        struct Report: Decodable { var uri: String; var last_msn: Int?; var last_part: Int? }
        var version: Int?
        var target_duration: Double?
        var media_sequence: Int?
        var part_target: Double?
        var can_block_reload: Bool
        var part_hold_back: Double?
        var preload_hint_type: String?
        var preload_hint_uri: String?
        var is_endlist: Bool
        var segments: [Segment]
        var rendition_reports: [Report]
    }

    static let script = """
        import json, sys, m3u8
        p = m3u8.loads(open(sys.argv[1]).read())
        sc, pi, ph = p.server_control, p.part_inf, p.preload_hint
        print(json.dumps({
            "version": p.version, "target_duration": p.target_duration, "media_sequence": p.media_sequence,
            "part_target": pi.part_target if pi else None,
            "can_block_reload": bool(sc and sc.can_block_reload == "YES"),
            "part_hold_back": sc.part_hold_back if sc else None,
            "preload_hint_type": ph.hint_type if ph else None, "preload_hint_uri": ph.uri if ph else None,
            "is_endlist": bool(p.is_endlist),
            "segments": [{"uri": s.uri, "duration": s.duration,
                          "map": s.init_section.uri if s.init_section else None,
                          "parts": [{"uri": x.uri, "duration": x.duration, "independent": x.independent == "YES"} for x in s.parts]}
                         for s in p.segments],
            "rendition_reports": [{"uri": r.uri, "last_msn": r.last_msn, "last_part": r.last_part} for r in p.rendition_reports],
        }))
        """

    static func parseMedia(_ text: String, in workspace: Workspace) async throws -> Media {
        let scriptURL = workspace.file("m3u8-judge.py"), playlistURL = workspace.file("judged-\(UUID().uuidString.prefix(6)).m3u8")
        try script.write(to: scriptURL, atomically: true, encoding: .utf8)
        try text.write(to: playlistURL, atomically: true, encoding: .utf8)
        let run = try await CompletedRun.run(try Paths.tool("python3"), [scriptURL.path, playlistURL.path], label: "m3u8", in: workspace)
        guard run.termination == .success else {
            throw SetupError("python3 m3u8 failed (\(run.termination)); `pip install m3u8`? \(run.standardError)")
        }
        return try JSONDecoder().decode(Media.self, from: Data(run.standardOutput.utf8))
    }
}
