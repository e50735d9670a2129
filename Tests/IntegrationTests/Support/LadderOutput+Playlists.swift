import Foundation
import Testing

extension LadderOutput {
    /// Each playlist is finished (ENDLIST), names an existing init section and existing
    /// segments, and every segment but the last of a run lasts segment_seconds ±10 %.
    func expectPlaylists() {
        for name in renditionNames {
            let playlist = playlist(name)
            let folder = directory.appendingPathComponent(name)
            #expect(playlist.hasEndList, "\(name)/index.m3u8 has no EXT-X-ENDLIST")
            #expect(playlist.mapURI.map { FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path) } == true,
                    "\(name): EXT-X-MAP \(playlist.mapURI ?? "missing") is not on disk")
            #expect(!playlist.segments.isEmpty, "\(name) has no segments")
            for (index, segment) in playlist.segments.enumerated() {
                #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(segment.uri).path), "\(name)/\(segment.uri) missing")
                if !playlist.endsRun(index) {
                    #expect(abs(segment.durationSeconds - profile.segmentSeconds) <= 0.1 * profile.segmentSeconds,
                            "\(name)/\(segment.uri): EXTINF \(segment.durationSeconds) s, profile says \(profile.segmentSeconds) s\(marks(segment, segment.durationSeconds))")
                } else {
                    #expect(segment.durationSeconds <= 1.1 * profile.segmentSeconds,
                            "\(name)/\(segment.uri): EXTINF \(segment.durationSeconds) s, profile says at most \(profile.segmentSeconds) s\(marks(segment, segment.durationSeconds))")
                }
            }
        }
    }
}
