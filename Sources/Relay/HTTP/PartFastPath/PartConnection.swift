import Glibc

/// One plain-HTTP connection served by a ``PartLoop``: what was read and not yet answered,
/// and the part response being sent, if the socket could not take all of it at once.
final class PartConnection {
    /// Largest request head the fast path reads; a connection whose head does not fit goes
    /// to NIO, which takes heads up to ``HTTPRequestParser/maxHeadBytes``.
    static let bufferBytes = 4_096

    let descriptor: CInt
    let buffer: UnsafeMutableRawBufferPointer
    /// Unanswered bytes are `buffer[start..<end]`.
    var start = 0
    var end = 0
    /// The part file a response is being sent from, and how far it has gone.
    var sending: SealedPartFile?
    var sentOffset = 0
    /// Payload bytes of the response being sent, counted in the server's buffered bytes.
    var sendingPayloadBytes = 0
    /// Close once the response being sent is out (graceful shutdown).
    var closesAfterSending = false
    /// When bytes last came in or went out, for the idle timeout.
    var lastProgressNanoseconds: UInt64

    init(descriptor: CInt, nowNanoseconds: UInt64) {
        self.descriptor = descriptor
        self.buffer = .allocate(byteCount: Self.bufferBytes, alignment: 16)
        self.lastProgressNanoseconds = nowNanoseconds
    }

    deinit {
        self.buffer.deallocate()
    }

    /// The bytes read and not yet answered.
    var unanswered: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: self.buffer[self.start..<self.end]) }

    /// Moves the unanswered bytes to the front of the buffer, making room to read.
    func compact() {
        guard self.start > 0 else { return }
        let count = self.end - self.start
        if count > 0 { memmove(self.buffer.baseAddress!, self.buffer.baseAddress! + self.start, count) }
        self.start = 0
        self.end = count
    }
}
