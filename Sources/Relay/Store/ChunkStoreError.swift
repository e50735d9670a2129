/// Why the store refused a publish call. Each case is a producer bug or a configuration
/// mismatch, never a transient condition.
public enum ChunkStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The name is not usable in a URL path (allowed: letters, digits, `_`, `-`, `.`, not leading `.`; 1–64 bytes).
    case invalidName(String)
    /// A stream with this name exists already.
    case duplicateStream(String)
    /// A stream lists two renditions with one name, or none at all.
    case invalidRenditions(stream: String)
    /// The timing targets are not positive or the part target exceeds the segment target.
    case invalidTiming(stream: String)
    /// No stream with this name.
    case unknownStream(String)
    /// The stream has no rendition with this name.
    case unknownRendition(stream: String, rendition: String)
    /// The part does not follow the previous one (same segment next index, or next segment index 0).
    case outOfOrder(stream: String, rendition: String, mediaSequence: Int, partIndex: Int)
    /// The segment already holds the configured maximum number of parts.
    case tooManyParts(stream: String, rendition: String, mediaSequence: Int)
    /// The stream has ended; it accepts nothing more.
    case streamEnded(String)

    public var description: String {
        switch self {
        case .invalidName(let name): "invalid name '\(name)'"
        case .duplicateStream(let name): "stream '\(name)' exists already"
        case .invalidRenditions(let stream): "stream '\(stream)': renditions must be non-empty with unique names"
        case .invalidTiming(let stream): "stream '\(stream)': need 0 < part target <= segment target"
        case .unknownStream(let name): "unknown stream '\(name)'"
        case .unknownRendition(let stream, let rendition): "stream '\(stream)' has no rendition '\(rendition)'"
        case .outOfOrder(let stream, let rendition, let sequence, let part):
            "stream '\(stream)' rendition '\(rendition)': part \(sequence).\(part) out of order"
        case .tooManyParts(let stream, let rendition, let sequence):
            "stream '\(stream)' rendition '\(rendition)': segment \(sequence) has too many parts"
        case .streamEnded(let name): "stream '\(name)' has ended"
        }
    }
}
