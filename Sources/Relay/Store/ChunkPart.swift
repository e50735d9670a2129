import NIOCore

/// One CMAF chunk (moof+mdat) as published by the producer: one LL-HLS part.
///
/// The payload is a `ByteBuffer`; serving a part writes this very buffer (reference
/// counted), so bytes are copied once when published and never per request.
public struct ChunkPart: Sendable {
    /// Media sequence number of the segment this part belongs to.
    public var mediaSequence: Int
    /// Index of this part within its segment, from 0.
    public var partIndex: Int
    /// Duration in seconds.
    public var durationSeconds: Double
    /// True when the part starts with a keyframe (`INDEPENDENT=YES`).
    public var isIndependent: Bool
    /// Presentation time of the part's first sample.
    public var presentationTime: PresentationTime
    /// The chunk's bytes.
    public var payload: ByteBuffer
    /// The same bytes as a ready HTTP response, set by the store when it takes the part
    /// (``ChunkStoreConfiguration/sealedPartFiles``); nil before, or if a memfd was refused.
    var file: SealedPartFile?

    /// Creates a part around an existing buffer (no copy).
    public init(
        mediaSequence: Int, partIndex: Int, durationSeconds: Double, isIndependent: Bool,
        presentationTime: PresentationTime, payload: ByteBuffer
    ) {
        self.mediaSequence = mediaSequence
        self.partIndex = partIndex
        self.durationSeconds = durationSeconds
        self.isIndependent = isIndependent
        self.presentationTime = presentationTime
        self.payload = payload
    }

    /// Creates a part from bytes, copying them once into a buffer.
    public init(
        mediaSequence: Int, partIndex: Int, durationSeconds: Double, isIndependent: Bool,
        presentationTime: PresentationTime, bytes: [UInt8]
    ) {
        self.init(
            mediaSequence: mediaSequence, partIndex: partIndex, durationSeconds: durationSeconds,
            isIndependent: isIndependent, presentationTime: presentationTime, payload: ByteBuffer(bytes: bytes)
        )
    }
}
