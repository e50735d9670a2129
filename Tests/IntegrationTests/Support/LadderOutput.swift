import Foundation
import Profiles
import Testing

/// A finished `transcode` output folder, read from disk, with the judgements every test
/// shares: the master, each rendition's playlist and streams (ffprobe), every segment
/// decoded on its own (ffprobe), keyframe alignment, and playback end to end (ffmpeg).
struct LadderOutput {
    let directory: URL
    let profile: Profile
    let master: MasterPlaylist
    /// Media playlists by rendition name; audio is "audio".
    let playlists: [String: MediaPlaylist]
    let hasAudio: Bool

    var videoNames: [String] { profile.video.renditions.map(\.name) }
    var renditionNames: [String] { videoNames + (hasAudio ? ["audio"] : []) }

    /// Reads the master and every media playlist; a missing file is an error.
    init(directory: URL, profile: Profile, expectAudio: Bool = true) throws {
        self.directory = directory
        self.profile = profile
        hasAudio = expectAudio && profile.audio != nil
        master = try MasterPlaylist(contentsOf: directory.appendingPathComponent("master.m3u8"))
        var playlists: [String: MediaPlaylist] = [:]
        for name in profile.video.renditions.map(\.name) + (hasAudio ? ["audio"] : []) {
            playlists[name] = try MediaPlaylist(contentsOf: directory.appendingPathComponent(name).appendingPathComponent("index.m3u8"))
        }
        self.playlists = playlists
    }

    func playlist(_ name: String) -> MediaPlaylist { playlists[name]! }

    /// Every shared judgement, in order.
    func expectComplete(in workspace: Workspace) async throws {
        expectMaster()
        expectBandwidthCoversSegments()
        expectPlaylists()
        try await expectStreams(in: workspace)
        try await expectSegments(in: workspace)
        try await expectPlaysToTheEnd(in: workspace)
    }
}
