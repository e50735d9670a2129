import CFFmpeg

/// A libav call failed with a code that is neither "try again" nor end-of-stream.
public struct AVError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The negative libav error code.
    public let code: Int32
    /// The libav operation that failed, e.g. `avcodec_open2`.
    public let operation: String
    /// What it was working on: a URL, a codec name, a rendition.
    public let context: String

    public init(code: Int32, operation: String, context: String = "") {
        self.code = code
        self.operation = operation
        self.context = context
    }

    /// libav's own text for the code.
    public var message: String {
        var buffer = [CChar](repeating: 0, count: 256)
        mutstream_error_string(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// True when the code says the input data was malformed (worth skipping, not fatal).
    public var isInvalidData: Bool { code == mutstream_averror_invaliddata() }

    /// True when an interrupt callback asked libav to stop.
    public var isInterrupted: Bool { code == mutstream_averror_exit() }

    public var description: String {
        let subject = context.isEmpty ? "" : " (\(context))"
        return "\(operation) failed\(subject): \(message) [\(code)]"
    }

    /// Throws when `code` is negative; returns it otherwise.
    @discardableResult
    static func check(_ code: Int32, _ operation: String, _ context: String = "") throws(AVError) -> Int32 {
        if code < 0 { throw AVError(code: code, operation: operation, context: context) }
        return code
    }
}

/// An operation that could not even start: no such codec, no stream of a kind, bad settings.
public struct LibAVSetupError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// What a send/receive or read step produced. "Try again" and end-of-stream are states of
/// the codec loop, not errors.
public enum Step<Output: ~Copyable>: ~Copyable {
    /// A value came out.
    case output(Output)
    /// Nothing more until more input is sent.
    case needsInput
    /// Fully drained; nothing more will come.
    case endOfStream
}

extension Step: Sendable where Output: Sendable & ~Copyable {}

/// Classifies a libav return code into "ok", "try again", "end of stream" or an error.
enum ReturnCode {
    case ok
    case again
    case endOfStream

    init(_ code: Int32, _ operation: String, _ context: String = "") throws(AVError) {
        if code >= 0 {
            self = .ok
        } else if code == mutstream_averror(EAGAIN) {
            self = .again
        } else if code == mutstream_averror_eof() {
            self = .endOfStream
        } else {
            throw AVError(code: code, operation: operation, context: context)
        }
    }
}
