/// Common Media Client Data (CTA-5004) that a player sent with one request.
///
/// hls.js and dash.js send it as a `CMCD` query argument or as the four `CMCD-Request`,
/// `CMCD-Object`, `CMCD-Status` and `CMCD-Session` headers; parse it with
/// ``parse(fields:)``, ``parse(query:)`` or ``parse(headers:)``. Keys not listed here (including
/// custom, hyphenated ones) are skipped.
public struct CMCDReport: Sendable, Hashable {
    /// `bl`: buffer length in milliseconds.
    public var bufferLengthMilliseconds: Int?
    /// `bs`: the buffer ran empty since the previous request.
    public var bufferStarvation = false
    /// `br`: encoded bitrate of the requested object in kbit/s.
    public var encodedBitrateKbps: Int?
    /// `cid`: content identifier.
    public var contentID: String?
    /// `d`: media duration of the requested object in milliseconds.
    public var objectDurationMilliseconds: Int?
    /// `dl`: deadline in milliseconds: buffer time left before a stall, at the playback rate.
    public var deadlineMilliseconds: Int?
    /// `mtp`: throughput the player measured, in kbit/s.
    public var measuredThroughputKbps: Int?
    /// `nor`: relative path of the next object the player will request.
    public var nextObjectRequest: String?
    /// `nrr`: byte range of the next request.
    public var nextRangeRequest: String?
    /// `ot`: object type token (`m` manifest, `a` audio, `v` video, `av` muxed, `i` init, …).
    public var objectType: String?
    /// `pr`: playback rate (1 is real time).
    public var playbackRate: Double?
    /// `rtp`: the maximum throughput the player asks for, in kbit/s.
    public var requestedMaximumThroughputKbps: Int?
    /// `sf`: streaming format token (`h` HLS, `d` DASH, …).
    public var streamingFormat: String?
    /// `sid`: playback session identifier.
    public var sessionID: String?
    /// `st`: stream type token (`v` on demand, `l` live).
    public var streamType: String?
    /// `su`: the object is needed for startup or a seek.
    public var startup = false
    /// `tb`: highest bitrate the player may play, in kbit/s.
    public var topBitrateKbps: Int?
    /// `v`: CMCD version (1 when absent).
    public var version: Int?

    /// An empty report.
    public init() {}

    /// `bl` in seconds.
    public var bufferLengthSeconds: Double? { bufferLengthMilliseconds.map { Double($0) / 1000 } }
}

/// Why a CMCD payload could not be read.
public enum CMCDError: Error, Hashable, Sendable {
    /// An entry had no key, or its key held characters keys cannot hold.
    case invalidKey(String)
    /// A quoted string ran to the end of the payload.
    case unterminatedString(key: String)
    /// A value did not have its key's type (integer, decimal, string, token or boolean).
    case invalidValue(key: String, value: String)
    /// The `CMCD` query argument had a broken `%XX` escape.
    case invalidPercentEncoding
}
