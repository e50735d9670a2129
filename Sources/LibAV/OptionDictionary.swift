import CFFmpeg

/// An AVDictionary built from Swift options for one libav call; libav removes the entries it
/// consumed, so what is left afterwards names the options nobody understood.
struct OptionDictionary: ~Copyable {
    var raw: OpaquePointer?

    init(_ options: [String: String]) {
        // Sorted so that the leftover report is stable.
        for (key, value) in options.sorted(by: { $0.key < $1.key }) {
            av_dict_set(&raw, key, value, 0)
        }
    }

    deinit {
        var dictionary = raw
        av_dict_free(&dictionary)
    }

    /// Keys libav did not consume.
    var leftoverKeys: [String] {
        var keys: [String] = []
        var entry: UnsafeMutablePointer<AVDictionaryEntry>? = nil
        while let next = av_dict_get(raw, "", entry, AV_DICT_IGNORE_SUFFIX) {
            keys.append(String(cString: next.pointee.key))
            entry = next
        }
        return keys
    }
}

/// libav's global set-up: device registration (the `lavfi` input lives in libavdevice) and
/// a log level that keeps libav's own chatter to real problems.
public enum LibAVRuntime {
    private static let setUp: Void = {
        avdevice_register_all()
        avformat_network_init()
        av_log_set_level(AV_LOG_ERROR)
    }()

    /// Idempotent; every owner that opens something calls it.
    public static func initialize() { _ = setUp }

    /// Sets libav's log threshold: `verbose` shows warnings and info, otherwise errors only.
    public static func setVerbose(_ verbose: Bool) {
        initialize()
        av_log_set_level(verbose ? AV_LOG_INFO : AV_LOG_ERROR)
    }

    /// The libavcodec version string, for `--version` and logs.
    public static var versionDescription: String {
        "libavcodec \(avcodec_version() >> 16).\((avcodec_version() >> 8) & 0xff), " +
            "libavformat \(avformat_version() >> 16).\((avformat_version() >> 8) & 0xff)"
    }
}
