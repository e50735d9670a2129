import NIOCore
import Synchronization

/// The in-memory window of every live stream: per rendition, its init section and its
/// last few segments, each made of parts (CMAF chunks).
///
/// Thread-safe: the producer publishes from its own threads while NIO event loops read.
/// Memory is bounded by ``ChunkStoreConfiguration`` (segments per window, parts per
/// segment, bytes per rendition), never by input. Readers that need something not yet
/// published park a promise (``wait(for:stream:rendition:timeout:on:)``) that the publish
/// call completes; no thread ever blocks.
///
/// Publishing, from the producer:
/// ```swift
/// try store.addStream(descriptor)
/// try store.setInit(stream: "main", rendition: "720p", bytes: initSegment)
/// try store.appendPart(stream: "main", rendition: "720p", part: chunk)   // per CMAF chunk
/// try store.endSegment(stream: "main", rendition: "720p", mediaSequence: 41)
/// try store.setProducing(stream: "main", true)                           // for /readyz
/// ```
public final class ChunkStore: @unchecked Sendable {
    // @unchecked: every stored property below `lock` is only touched with `lock` held.

    /// The bounds this store keeps.
    public let configuration: ChunkStoreConfiguration

    let lock = Mutex<Void>(())
    var streams: [String: StreamState] = [:]
    var streamOrder: [String] = []
    var nextWaiterID: UInt64 = 0

    /// Creates an empty store.
    public init(configuration: ChunkStoreConfiguration = ChunkStoreConfiguration()) {
        self.configuration = configuration
    }

    // MARK: Publishing

    /// Adds a stream and its renditions. Names must be URL-safe (see ``ChunkStoreError/invalidName(_:)``).
    public func addStream(_ descriptor: StreamDescriptor) throws(ChunkStoreError) {
        guard Self.isValidName(descriptor.name) else { throw .invalidName(descriptor.name) }
        for rendition in descriptor.renditions {
            guard Self.isValidName(rendition.name), rendition.name != "auto" else { throw .invalidName(rendition.name) }
        }
        let names = descriptor.renditions.map(\.name)
        guard !names.isEmpty, Set(names).count == names.count else { throw .invalidRenditions(stream: descriptor.name) }
        guard descriptor.partTargetSeconds > 0, descriptor.partTargetSeconds <= descriptor.segmentTargetSeconds else {
            throw .invalidTiming(stream: descriptor.name)
        }
        try self.lock.withLock { _ throws(ChunkStoreError) in
            guard self.streams[descriptor.name] == nil else { throw .duplicateStream(descriptor.name) }
            self.streams[descriptor.name] = StreamState(descriptor: descriptor)
            self.streamOrder.append(descriptor.name)
        }
    }

    /// Removes a stream and its window; requests waiting on it end as unavailable.
    public func removeStream(_ name: String) {
        let waiters: [Waiter] = self.lock.withLock { _ in
            guard let stream = self.streams.removeValue(forKey: name) else { return [] }
            self.streamOrder.removeAll { $0 == name }
            return stream.renditions.flatMap { rendition in
                defer { rendition.waiters = [] }
                return rendition.waiters
            }
        }
        for waiter in waiters {
            waiter.promise.succeed(.unavailable)
        }
    }

    /// Sets (or replaces) a rendition's init section (`init.mp4`: ftyp+moov).
    public func setInit(stream: String, rendition: String, bytes: ByteBuffer) throws(ChunkStoreError) {
        try self.lock.withLock { _ throws(ChunkStoreError) in
            let (_, state) = try self.locate(stream, rendition)
            state.initSection = bytes
        }
    }

    /// Sets (or replaces) a rendition's init section, copying the bytes once.
    public func setInit(stream: String, rendition: String, bytes: [UInt8]) throws(ChunkStoreError) {
        try self.setInit(stream: stream, rendition: rendition, bytes: ByteBuffer(bytes: bytes))
    }

    /// Appends the next part of a rendition.
    ///
    /// Parts arrive in order: the next index of the open segment, or index 0 of the next
    /// media sequence number, which completes the previous segment. Requests waiting for
    /// this part (or a playlist holding it) are answered before this returns.
    public func appendPart(stream: String, rendition: String, part: ChunkPart) throws(ChunkStoreError) {
        try self.appendParts(stream: stream, rendition: rendition, parts: [part])
    }

    /// Appends several parts in order at once: waiting requests see all of them or none (a
    /// relay filling a window publishes whole segments, so a player's first playlist is
    /// never a lone part). On a refused part the ones before it stay appended.
    public func appendParts(stream: String, rendition: String, parts: [ChunkPart]) throws(ChunkStoreError) {
        // Outside the lock: three syscalls and a copy of the payload per part.
        let parts = self.configuration.sealedPartFiles ? parts.map(Self.withSealedFile) : parts
        var refusal: ChunkStoreError?
        let satisfied = try self.lock.withLock { _ throws(ChunkStoreError) -> [(Waiter, WaitOutcome)] in
            let (streamState, state) = try self.locate(stream, rendition)
            guard !streamState.hasEnded else { throw .streamEnded(stream) }
            for part in parts {
                do throws(PublishRefusal) {
                    try state.append(part, configuration: self.configuration) {
                        guard self.configuration.programDateTime else { return nil }
                        let presentationMilliseconds = part.presentationTime.milliseconds
                        if streamState.wallClockOffsetMilliseconds == nil {
                            streamState.wallClockOffsetMilliseconds = wallClockMilliseconds() - presentationMilliseconds
                        }
                        return streamState.wallClockOffsetMilliseconds.map { $0 + presentationMilliseconds }
                    }
                } catch {
                    switch error {
                    case .outOfOrder:
                        refusal = .outOfOrder(stream: stream, rendition: rendition, mediaSequence: part.mediaSequence, partIndex: part.partIndex)
                    case .tooManyParts:
                        refusal = .tooManyParts(stream: stream, rendition: rendition, mediaSequence: part.mediaSequence)
                    }
                    break
                }
            }
            streamState.invalidatePlaylists()
            return state.takeSatisfiedWaiters(streamEnded: false)
        }
        Self.complete(satisfied)
        if let refusal { throw refusal }
    }

    private static func withSealedFile(_ part: ChunkPart) -> ChunkPart {
        guard part.file == nil else { return part }
        var part = part
        part.file = SealedPartFile(head: PartResponse.head(payloadBytes: part.payload.readableBytes), payload: part.payload)
        return part
    }

    /// Marks a segment complete (its last part was appended). Optional when the next
    /// segment's first part follows at once, but calling it lets players see the segment a
    /// part earlier.
    public func endSegment(stream: String, rendition: String, mediaSequence: Int) throws(ChunkStoreError) {
        let satisfied = try self.lock.withLock { _ throws(ChunkStoreError) -> [(Waiter, WaitOutcome)] in
            let (streamState, state) = try self.locate(stream, rendition)
            guard let last = state.segments.last, last.mediaSequence == mediaSequence, !last.isComplete else {
                return []
            }
            state.completeLast()
            streamState.invalidatePlaylists()
            return state.takeSatisfiedWaiters(streamEnded: streamState.hasEnded)
        }
        Self.complete(satisfied)
    }

    /// Marks a discontinuity (timestamps, encoding or source change): every rendition's
    /// next segment carries `EXT-X-DISCONTINUITY`.
    public func markDiscontinuity(stream: String) throws(ChunkStoreError) {
        try self.lock.withLock { _ throws(ChunkStoreError) in
            guard let streamState = self.streams[stream] else { throw .unknownStream(stream) }
            for rendition in streamState.renditions {
                rendition.pendingDiscontinuity = true
            }
            streamState.wallClockOffsetMilliseconds = nil
        }
    }

    /// Marks a discontinuity for one rendition only: its next segment carries
    /// `EXT-X-DISCONTINUITY`. Producers whose renditions reach a discontinuity at slightly
    /// different moments (one encoder thread each) mark each as it gets there.
    public func markDiscontinuity(stream: String, rendition: String) throws(ChunkStoreError) {
        try self.lock.withLock { _ throws(ChunkStoreError) in
            guard let streamState = self.streams[stream] else { throw .unknownStream(stream) }
            guard let state = streamState.renditions.first(where: { $0.descriptor.name == rendition }) else {
                throw .unknownRendition(stream: stream, rendition: rendition)
            }
            state.pendingDiscontinuity = true
        }
    }

    /// Says whether the stream's producer is producing (`/readyz` is 200 only when every
    /// stream is).
    public func setProducing(stream: String, _ isProducing: Bool) throws(ChunkStoreError) {
        try self.lock.withLock { _ throws(ChunkStoreError) in
            guard let streamState = self.streams[stream] else { throw .unknownStream(stream) }
            streamState.isProducing = isProducing
        }
    }

    /// Ends the stream: open segments complete, playlists get `EXT-X-ENDLIST`, waiting
    /// requests are answered, and further publishing is refused. The window stays readable
    /// until ``removeStream(_:)``.
    public func endStream(stream: String) throws(ChunkStoreError) {
        let satisfied = try self.lock.withLock { _ throws(ChunkStoreError) -> [(Waiter, WaitOutcome)] in
            guard let streamState = self.streams[stream] else { throw .unknownStream(stream) }
            streamState.hasEnded = true
            streamState.isProducing = false
            streamState.invalidatePlaylists()
            return streamState.renditions.flatMap { rendition in
                rendition.completeLast()
                return rendition.takeSatisfiedWaiters(streamEnded: true)
            }
        }
        Self.complete(satisfied)
    }

    // MARK: Helpers

    func locate(_ stream: String, _ rendition: String) throws(ChunkStoreError) -> (StreamState, RenditionState) {
        guard let streamState = self.streams[stream] else { throw .unknownStream(stream) }
        guard let state = streamState.rendition(rendition) else { throw .unknownRendition(stream: stream, rendition: rendition) }
        return (streamState, state)
    }

    static func complete(_ satisfied: [(Waiter, WaitOutcome)]) {
        // Outside the lock: succeeding a promise may run callbacks inline on this thread.
        for (waiter, outcome) in satisfied {
            waiter.promise.succeed(outcome)
        }
    }

    /// Letters, digits, `_`, `-`, `.`; not starting with `.`; 1 to 64 bytes.
    public static func isValidName(_ name: some StringProtocol) -> Bool {
        let bytes = name.utf8
        guard (1...64).contains(bytes.count), bytes.first != UInt8(ascii: ".") else { return false }
        return bytes.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
        }
    }
}
