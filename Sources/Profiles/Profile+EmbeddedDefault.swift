extension Profile {
    /// The text of `Profiles/default.yaml`, built in so that `mutstream serve` with no
    /// configuration runs its demo anywhere. A test keeps the two identical.
    public static let embeddedDefaultYAML = """
        # default: the everyday live ladder. VP9 in three rungs with Opus audio, 2 s segments cut
        # into 0.5 s LL-HLS parts. `serve` without a config and `make run` use this profile.
        name: default
        segment_seconds: 2          # one GOP per segment; keyframes aligned across renditions
        part_seconds: 0.5           # one CMAF chunk = one LL-HLS part
        frame_rate: 30
        video:
          codec: vp9
          speed: 8                  # libvpx cpu-used; 8 keeps three rungs realtime on a small box
          renditions:
            - { name: 720p, width: 1280, height: 720, bitrate_kbps: 2500 }
            - { name: 480p, width: 854,  height: 480, bitrate_kbps: 1200 }
            - { name: 360p, width: 640,  height: 360, bitrate_kbps: 700 }
        audio: { codec: opus, bitrate_kbps: 96 }
        """
}
