/// RFC 6381 `CODECS` values for the master playlist.
public enum CodecString {
    /// `vp09.00.LL.08`: profile 0, 8-bit, level from the picture size and sample rate.
    public static func vp9(width: Int, height: Int, framesPerSecond: Int) -> String {
        "vp09.00.\(vp9Level(width: width, height: height, framesPerSecond: framesPerSecond)).08"
    }

    /// VP8 in ISO-BMFF (`vp08` sample entry) uses the VP codec string form with profile 0.
    public static func vp8() -> String { "vp08.00.10.08" }

    /// `avc1.PPCCLL` from the encoder's extradata: an avcC record or Annex-B SPS.
    public static func h264(extradata: [UInt8]) -> String {
        var sps: ArraySlice<UInt8>?
        if extradata.first == 1, extradata.count >= 4 {
            sps = extradata[1...]  // avcC: profile, compatibility, level follow the version
        } else {
            var index = 0
            while index + 4 < extradata.count {
                if extradata[index] == 0, extradata[index + 1] == 0, extradata[index + 2] == 1,
                   extradata[index + 3] & 0x1f == 7 {
                    sps = extradata[(index + 4)...]
                    break
                }
                index += 1
            }
        }
        guard let sps, sps.count >= 3 else { return "avc1.640028" }
        let bytes = Array(sps.prefix(3))
        return "avc1." + bytes.map { hex($0) }.joined()
    }

    /// Opus in MP4.
    public static func opus() -> String { "Opus" }

    /// AAC-LC.
    public static func aac() -> String { "mp4a.40.2" }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xf)]])
    }

    // VP9 levels (picture size limit, luma sample rate limit), from the VP9 level definitions.
    private static let vp9Levels: [(level: String, maxPictureSize: Int, maxSampleRate: Int)] = [
        ("10", 36_864, 829_440), ("11", 73_728, 2_764_800), ("20", 122_880, 4_608_000),
        ("21", 245_760, 9_216_000), ("30", 552_960, 20_736_000), ("31", 983_040, 36_864_000),
        ("40", 2_228_224, 83_558_400), ("41", 2_228_224, 160_432_128), ("50", 8_912_896, 311_951_360),
        ("51", 8_912_896, 588_251_136), ("52", 8_912_896, 1_176_502_272), ("60", 35_651_584, 1_176_502_272),
        ("61", 35_651_584, 2_353_004_544), ("62", 35_651_584, 4_706_009_088),
    ]

    static func vp9Level(width: Int, height: Int, framesPerSecond: Int) -> String {
        let pictureSize = width * height
        let sampleRate = pictureSize * framesPerSecond
        return vp9Levels.first { pictureSize <= $0.maxPictureSize && sampleRate <= $0.maxSampleRate }?.level ?? "62"
    }
}
