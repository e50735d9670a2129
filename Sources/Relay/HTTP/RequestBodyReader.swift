import NIOCore

/// Reads a request body framed by `Content-Length` or chunked transfer coding (RFC 9112
/// §7.1) from the connection's read buffer, handing each piece of content to the caller.
/// Chunk extensions and trailers are read and dropped.
struct RequestBodyReader {
    private enum State {
        case length(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case done
    }

    /// Longest chunk-size or trailer line accepted.
    private static let maxLineBytes = 4_096

    private var state: State

    init(_ framing: BodyFraming) {
        switch framing {
        case .none: self.state = .done
        case .length(let length): self.state = .length(remaining: length)
        case .chunked: self.state = .chunkSize
        }
    }

    var isDone: Bool {
        if case .done = self.state { true } else { false }
    }

    /// Consumes what it can of `buffer`; `content` gets each slice of body bytes. Returns
    /// when the body is complete or `buffer` holds no more of it.
    mutating func read(_ buffer: inout ByteBuffer, content: (ByteBuffer) -> Void) throws(RequestParseError) {
        while true {
            switch self.state {
            case .done:
                return
            case .length(let remaining), .chunkData(let remaining):
                guard buffer.readableBytes > 0 else { return }
                let count = min(remaining, buffer.readableBytes)
                content(buffer.readSlice(length: count)!)
                let left = remaining - count
                if case .length = self.state {
                    self.state = left == 0 ? .done : .length(remaining: left)
                } else {
                    self.state = left == 0 ? .chunkDataEnd : .chunkData(remaining: left)
                }
            case .chunkSize:
                guard let line = try Self.readLine(&buffer) else { return }
                let digits = line.prefix { $0 != UInt8(ascii: ";") }.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }
                guard (1...15).contains(digits.count) else { throw .badFraming }
                var size = 0
                for digit in digits {
                    guard let value = Self.hexValue(digit) else { throw .badFraming }
                    size = size << 4 | value
                }
                self.state = size == 0 ? .trailers : .chunkData(remaining: size)
            case .chunkDataEnd:
                guard let line = try Self.readLine(&buffer) else { return }
                guard line.isEmpty else { throw .badFraming }
                self.state = .chunkSize
            case .trailers:
                guard let line = try Self.readLine(&buffer) else { return }
                if line.isEmpty { self.state = .done }
            }
        }
    }

    /// One line without its CR LF or LF; nil when incomplete.
    private static func readLine(_ buffer: inout ByteBuffer) throws(RequestParseError) -> [UInt8]? {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > Self.maxLineBytes { throw .badFraming }
            return nil
        }
        var line = buffer.readBytes(length: newline - buffer.readerIndex + 1)!
        line.removeLast()
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        return line
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
