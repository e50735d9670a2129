import Foundation

/// The checks of a profile, on plain values. Loading runs them on what it read (nil where the
/// value was missing or of the wrong type, already reported); `Profile.validate` runs them on
/// a model built in code. Both report the same messages at the same field paths.
enum ProfileRules {
    typealias Report = (FieldPath, String) -> Void

    /// Largest width or height accepted; catches a slipped digit before it allocates frames.
    static let maximumDimensionPixels = 8192
    static let frameRateRange = 1...120

    /// One rendition's values as read.
    struct RenditionValues {
        var name: String?
        var width: Int?
        var height: Int?
        var bitrateKbps: Int?
    }

    static func name(_ name: String?, report: Report) {
        if let name, name.trimmingCharacters(in: .whitespaces).isEmpty {
            report(FieldPath.root.key("name"), "must not be empty")
        }
    }

    static func timing(segmentSeconds: Double?, partSeconds: Double?, frameRate: Int?, report: Report) {
        let segmentPath = FieldPath.root.key("segment_seconds")
        let partPath = FieldPath.root.key("part_seconds")
        var segment = segmentSeconds, part = partSeconds, rate = frameRate
        if let value = segment, value <= 0 {
            report(segmentPath, "must be greater than 0 seconds, got \(format(value))")
            segment = nil
        }
        if let value = part, value <= 0 {
            report(partPath, "must be greater than 0 seconds, got \(format(value))")
            part = nil
        }
        if let value = rate, !frameRateRange.contains(value) {
            report(FieldPath.root.key("frame_rate"),
                   "must be \(frameRateRange.lowerBound)…\(frameRateRange.upperBound) frames per second, got \(value)")
            rate = nil
        }
        if let segment, let part {
            let parts = segment / part
            if part > segment {
                report(partPath, "must not be longer than segment_seconds (\(format(segment))), got \(format(part))")
            } else if !isWhole(parts) {
                report(partPath, "segment_seconds (\(format(segment))) must hold a whole number of parts; "
                    + "\(format(segment)) / \(format(part)) = \(format(parts))")
            }
        }
        if let rate {
            // Keyframes and part boundaries land on frames: both durations must be whole frames.
            if let segment, !isWhole(segment * Double(rate)) {
                report(segmentPath, "must be a whole number of frames at \(rate) fps; "
                    + "\(format(segment)) s is \(format(segment * Double(rate))) frames")
            }
            if let part, !isWhole(part * Double(rate)) {
                report(partPath, "must be a whole number of frames at \(rate) fps; "
                    + "\(format(part)) s is \(format(part * Double(rate))) frames")
            }
        }
    }

    static func speed(_ speed: Int?, codec: VideoCodec?, report: Report) {
        guard let speed, let codec else { return }
        let range = codec.speedRange
        guard !range.contains(speed) else { return }
        let meaning = switch codec {
        case .vp9: "libvpx cpu-used; live encoding typically uses 5…9"
        case .vp8: "libvpx cpu-used; live encoding typically uses 8…16"
        case .h264: "x264 preset, 0 = veryslow … 8 = ultrafast"
        }
        report(FieldPath.root.key("video").key("speed"),
               "must be \(range.lowerBound)…\(range.upperBound) for \(codec.rawValue) (\(meaning)), got \(speed)")
    }

    static func renditions(_ renditions: [RenditionValues]?, report: Report) {
        guard let renditions else { return }
        let listPath = FieldPath.root.key("video").key("renditions")
        if renditions.isEmpty {
            report(listPath, "must list at least one rendition")
        }
        var firstIndexByName: [String: Int] = [:]
        for (index, rendition) in renditions.enumerated() {
            let path = listPath.index(index)
            if let name = rendition.name {
                if name.isEmpty {
                    report(path.key("name"), "must not be empty")
                } else if !Rendition.isPathSafe(name) {
                    report(path.key("name"), "must use only letters, digits, '-' and '_' "
                        + "(it is a URL path component), got \"\(name)\"")
                } else if let first = firstIndexByName[name] {
                    report(path.key("name"), "duplicate rendition name \"\(name)\" (also \(listPath.index(first)).name)")
                } else {
                    firstIndexByName[name] = index
                }
            }
            dimension(rendition.width, at: path.key("width"), report: report)
            dimension(rendition.height, at: path.key("height"), report: report)
            if let bitrate = rendition.bitrateKbps, bitrate <= 0 {
                report(path.key("bitrate_kbps"), "must be a positive integer, got \(bitrate)")
            }
        }
    }

    // A rung larger than the source is allowed (the scaler upscales); only the encoders'
    // constraints apply.
    private static func dimension(_ pixels: Int?, at path: FieldPath, report: Report) {
        guard let pixels else { return }
        if pixels <= 0 {
            report(path, "must be a positive even number of pixels, got \(pixels)")
        } else if pixels % 2 != 0 {
            report(path, "must be even (4:2:0 chroma halves each dimension), got \(pixels)")
        } else if pixels > maximumDimensionPixels {
            report(path, "must be at most \(maximumDimensionPixels) pixels, got \(pixels)")
        }
    }

    static func audio(codec: AudioCodec?, bitrateKbps: Int?, sampleRate: Int?, channels: Int?, report: Report) {
        let path = FieldPath.root.key("audio")
        if let bitrateKbps, !AudioCodec.bitrateRangeKbps.contains(bitrateKbps) {
            let range = AudioCodec.bitrateRangeKbps
            report(path.key("bitrate_kbps"), "must be \(range.lowerBound)…\(range.upperBound) kbps, got \(bitrateKbps)")
        }
        if let sampleRate {
            let all = AudioCodec.aac.supportedSampleRates
            if !all.contains(sampleRate) {
                report(path.key("sample_rate"),
                       "must be one of \(all.map(String.init).joined(separator: ", ")) Hz, got \(sampleRate)")
            } else if let codec, !codec.supportedSampleRates.contains(sampleRate) {
                let rates = codec.supportedSampleRates.map(String.init).joined(separator: ", ")
                report(path.key("sample_rate"), "\(codec.rawValue) supports \(rates) Hz only, got \(sampleRate)")
            }
        }
        if let channels, channels != 1, channels != 2 {
            report(path.key("channels"), "must be 1 (mono) or 2 (stereo), got \(channels)")
        }
    }

    static func options(_ options: [String: String]?, report: Report) {
        guard let options else { return }
        if options.keys.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            report(FieldPath.root.key("video").key("options"), "option names must not be blank")
        }
    }

    // Durations come from decimal YAML (0.1 is not exact in binary): compare with a tolerance.
    static func isWhole(_ value: Double) -> Bool {
        abs(value - value.rounded()) < 1e-6
    }

    /// `2`, `0.5`, `2.667`: numbers as a person would write them.
    static func format(_ value: Double) -> String {
        if isWhole(value) { return String(Int(value.rounded())) }
        let rounded = (value * 1000).rounded() / 1000
        return String(rounded)
    }
}
