import Mesh
import Testing

/// Which renditions a box offers a downstream peer for its measured link (issue 6, mesh peers).
struct PeerRenditionPolicyTests {
    static let ladder = [
        CatalogRendition(name: "720p", kind: .video, averageBitrateBitsPerSecond: 2_500_000, peakBitrateBitsPerSecond: 2_750_000,
                         width: 1280, height: 720, codecs: "vp09"),
        CatalogRendition(name: "480p", kind: .video, averageBitrateBitsPerSecond: 1_200_000, peakBitrateBitsPerSecond: 1_320_000,
                         width: 854, height: 480, codecs: "vp09"),
        CatalogRendition(name: "360p", kind: .video, averageBitrateBitsPerSecond: 700_000, peakBitrateBitsPerSecond: 770_000,
                         width: 640, height: 360, codecs: "vp09"),
        CatalogRendition(name: "audio", kind: .audio, averageBitrateBitsPerSecond: 96_000, peakBitrateBitsPerSecond: 96_000,
                         width: nil, height: nil, codecs: "opus"),
    ]
    let policy = PeerRenditionPolicy()

    @Test func everythingBeforeAnyMeasurement() {
        #expect(policy.offer(Self.ladder, throughputBitsPerSecond: nil, current: nil) == ["720p", "480p", "360p", "audio"])
    }

    @Test func renditionsUpwardsWhileTheSumFitsWithHeadroom() {
        // 0.8 x 3 Mbit/s = 2.4: audio 0.096 + 360p 0.77 + 480p 1.32 = 2.19 fits; 720p does not.
        #expect(policy.offer(Self.ladder, throughputBitsPerSecond: 3_000_000, current: nil) == ["480p", "360p", "audio"])
        #expect(policy.offer(Self.ladder, throughputBitsPerSecond: 10_000_000, current: nil) == ["720p", "480p", "360p", "audio"])
    }

    @Test func theCheapestVideoAndTheAudioAlways() {
        #expect(policy.offer(Self.ladder, throughputBitsPerSecond: 200_000, current: nil) == ["360p", "audio"])
    }

    @Test func anOfferedRenditionStaysUntilTheHigherBar() {
        // 2.19 Mbit/s of set on a 2.5 Mbit/s link: 0.88 of it — too much to add 480p (0.8),
        // not enough to withdraw it once offered (0.95).
        #expect(policy.offer(Self.ladder, throughputBitsPerSecond: 2_500_000, current: nil) == ["360p", "audio"])
        #expect(policy.offer(Self.ladder, throughputBitsPerSecond: 2_500_000, current: ["480p", "360p", "audio"]) == ["480p", "360p", "audio"])
        #expect(policy.offer(Self.ladder, throughputBitsPerSecond: 2_200_000, current: ["480p", "360p", "audio"]) == ["360p", "audio"])
    }
}
