extension AudioCodec {
    /// Sample rates (Hz) this codec encodes; opus has no 44.1 kHz mode.
    public var supportedSampleRates: [Int] {
        switch self {
        case .opus: [8_000, 12_000, 16_000, 24_000, 48_000]
        case .aac: [8_000, 12_000, 16_000, 24_000, 44_100, 48_000]
        }
    }

    /// Default `audio.bitrate_kbps` when a profile names the codec only.
    public var defaultBitrateKbps: Int {
        switch self {
        case .opus: 96
        case .aac: 128
        }
    }

    /// Valid `audio.bitrate_kbps` values.
    public static let bitrateRangeKbps = 6...512
}
