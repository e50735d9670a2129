import Adaptation

/// The measurement of one media response to an auto session's player, from when the
/// response is ready to write until the peer has acknowledged its last byte.
///
/// The kernel counts the bytes the peer acknowledged (`tcpi_bytes_acked`); the body is
/// delivered once that count passes its value at the start plus what was queued before plus
/// the body. The count is read when the last write completes and, if the body is not all
/// acknowledged yet, again after about the time the rest needs at the rate seen so far. The
/// time from start to acknowledgement is what the player saw from request to last byte
/// (half a round trip on each side). `TCP_NOTSENT_LOWAT` on the connection keeps the unsent
/// rest small, so one or two reads usually do.
///
/// A response still unacknowledged after longer than the media it carries is an interim
/// sample at once: the player is falling behind real time, and the next segment's
/// rendition may be chosen before the response ends (a part that takes a second on a link
/// that just dropped would otherwise be seen only after that choice). The interim sample
/// covers the bytes acknowledged so far; the final one the rest, so no byte counts twice.
struct DeliveryProbe {
    let session: AutoSession
    let renditionIndex: Int
    let bodyBytes: Int
    let mediaSeconds: Double
    let startNanoseconds: UInt64
    let minimumSampleBytes: Int
    var start: TCPInfo?
    var reads = 0
    /// Body bytes and time already handed over as interim samples.
    var reportedBytes = 0
    var reportedNanoseconds: UInt64 = 0

    /// Reads of `TCP_INFO` after the last write, at most.
    static let maximumReads = 12
    /// Longest a response is followed before what was acknowledged by then is taken.
    static let maximumSeconds = 5.0
    /// A kernel delivery rate below the response's own rate divided by this describes a lone
    /// tail segment (its ACK delayed), not the path: the path just moved the whole body faster.
    static let tailRateFactor = 4.0

    enum Step {
        /// Measured: these are the samples.
        case done(ChunkDelivery?, TransportSample?)
        /// Not all acknowledged: record `interim` (when the response already runs longer than
        /// its media), then read again after this long.
        case again(afterSeconds: Double, DeliveryProbe, interim: (ChunkDelivery, TransportSample)?)
    }

    /// What the connection's `TCP_INFO` now says of the response.
    func step(end: TCPInfo?, nowNanoseconds: UInt64) -> Step {
        let elapsed = nowNanoseconds &- self.startNanoseconds
        let seconds = Double(elapsed) / 1e9
        guard let end else {
            // No socket to ask (closed): the write time is all there is.
            return .done(self.delivery(bytes: self.bodyBytes, seconds: seconds), nil)
        }
        guard let start = self.start, end.bytesAcked > 0, end.bytesAcked >= start.bytesAcked else {
            // A kernel without tcpi_bytes_acked: written less still queued, plus a round trip.
            let delivered = self.bodyBytes + (self.start?.backlogBytes ?? 0) - end.backlogBytes
            let withRoundTrip = seconds + Double(end.minRTTMicroseconds) / 1e6
            return .done(self.delivery(bytes: delivered, seconds: withRoundTrip), self.transportSample(end: end))
        }
        let acknowledged = Int(end.bytesAcked - start.bytesAcked)
        let target = start.backlogBytes + self.bodyBytes
        let bodyAcknowledged = min(max(acknowledged - start.backlogBytes, 0), self.bodyBytes)
        let transport = self.transportSample(end: end, bodyBytes: bodyAcknowledged, seconds: seconds)
        if acknowledged >= target || self.reads >= Self.maximumReads || seconds >= Self.maximumSeconds {
            return .done(self.rest(bodyAcknowledged: bodyAcknowledged, nowNanoseconds: elapsed), transport)
        }
        let interim = self.interim(end: end, nowNanoseconds: nowNanoseconds)
        var next = interim?.1 ?? self
        next.reads += 1
        // The rest at the rate so far; before any progress, a round trip.
        let rate = seconds > 0 ? Double(acknowledged) / seconds : 0
        let remaining = Double(target - acknowledged)
        let wait = rate > 0 ? remaining / rate : max(Double(end.rttMicroseconds) / 1e6, 0.001)
        return .again(afterSeconds: min(max(wait, 0.001), 0.25), next, interim: interim.map { ($0.0, transport) })
    }

    /// An interim sample when the response has run longer than its media since the previous
    /// one and moved enough bytes meanwhile, with the probe that remembers it; nil otherwise.
    /// Also called while the body is still being written (``HTTPConnectionHandler``).
    func interim(end: TCPInfo, nowNanoseconds: UInt64) -> (ChunkDelivery, DeliveryProbe)? {
        guard let start = self.start, end.bytesAcked >= start.bytesAcked, end.bytesAcked > 0 else { return nil }
        let elapsed = nowNanoseconds &- self.startNanoseconds
        let bodyAcknowledged = min(max(Int(end.bytesAcked - start.bytesAcked) - start.backlogBytes, 0), self.bodyBytes)
        guard bodyAcknowledged < self.bodyBytes,
              Double(elapsed &- self.reportedNanoseconds) / 1e9 >= self.mediaSeconds,
              bodyAcknowledged - self.reportedBytes >= self.minimumSampleBytes,
              let sample = self.rest(bodyAcknowledged: bodyAcknowledged, nowNanoseconds: elapsed)
        else { return nil }
        var next = self
        next.reportedBytes = bodyAcknowledged
        next.reportedNanoseconds = elapsed
        return (sample, next)
    }

    /// The kernel's sample of an interim read, judged against the body acknowledged so far.
    func interimTransportSample(end: TCPInfo, nowNanoseconds: UInt64) -> TransportSample {
        let acknowledged = self.start.map { Int(end.bytesAcked &- $0.bytesAcked) - $0.backlogBytes } ?? 0
        return self.transportSample(end: end, bodyBytes: min(max(acknowledged, 0), self.bodyBytes),
                                    seconds: Double(nowNanoseconds &- self.startNanoseconds) / 1e9)
    }

    /// The body acknowledged since the last interim sample, over the time since then.
    private func rest(bodyAcknowledged: Int, nowNanoseconds: UInt64) -> ChunkDelivery? {
        let bytes = bodyAcknowledged - self.reportedBytes
        let seconds = Double(nowNanoseconds &- self.reportedNanoseconds) / 1e9
        // Before any interim sample the whole body counts toward the minimum, as it always has.
        let size = self.reportedBytes == 0 ? self.bodyBytes : bytes
        guard size >= self.minimumSampleBytes, bytes >= self.minimumSampleBytes, seconds > 0 else { return nil }
        return ChunkDelivery(
            renditionIndex: self.renditionIndex, bytes: Double(bytes), durationSeconds: seconds,
            mediaDurationSeconds: self.mediaSeconds * Double(bytes) / Double(max(self.bodyBytes, 1))
        )
    }

    private func delivery(bytes: Int, seconds: Double) -> ChunkDelivery? {
        guard self.bodyBytes >= self.minimumSampleBytes, bytes >= self.minimumSampleBytes, seconds > 0 else { return nil }
        return ChunkDelivery(
            renditionIndex: self.renditionIndex, bytes: Double(bytes), durationSeconds: seconds, mediaDurationSeconds: self.mediaSeconds
        )
    }

    /// The kernel's sample, marked app-limited when it does not describe the path:
    /// - the peer's receive window held the sender back for much of this response: the
    ///   kernel's delivery rate then times bursts into a window the player just opened
    ///   (microseconds on a short path), not the rate at which the player takes media, and the
    ///   kernel does not flag that itself;
    /// - it is far below the rate at which this response's body was acknowledged (`bodyBytes`
    ///   over `seconds`): the latest rate sample timed a lone last segment.
    func transportSample(end: TCPInfo, bodyBytes: Int = 0, seconds: Double = 0) -> TransportSample {
        var sample = end.transportSample
        let busy = end.busyMicroseconds &- (self.start?.busyMicroseconds ?? 0)
        let limited = end.receiveWindowLimitedMicroseconds &- (self.start?.receiveWindowLimitedMicroseconds ?? 0)
        if busy > 0, limited <= busy, Double(limited) > 0.2 * Double(busy) { sample.deliveryRateAppLimited = true }
        if bodyBytes >= self.minimumSampleBytes, seconds > 0,
           sample.deliveryRateKbps * Self.tailRateFactor < Double(bodyBytes) * 8 / 1000 / seconds {
            sample.deliveryRateAppLimited = true
        }
        return sample
    }
}
