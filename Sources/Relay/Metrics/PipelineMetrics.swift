/// The families the transcoding pipeline reports through (the Edge module wires them, since
/// Pipeline does not import Relay). Look series up once per stream or rendition:
/// ```swift
/// let pipeline = PipelineMetrics(registry: registry)
/// let frames = pipeline.inputFrames.labels("main")
/// frames.increment()
/// pipeline.encodeFramesPerSecond.labels("main", "720p").set(29.9)
/// ```
/// Remove a stream's series (``MetricFamily/remove(_:)``) when the stream goes away.
public struct PipelineMetrics: Sendable {
    /// Ingest state per stream: 0 stopped, 1 connecting, 2 receiving, 3 failed.
    public let ingestState: MetricFamily<Gauge>
    /// Frames read from the source, per stream.
    public let inputFrames: MetricFamily<Counter>
    /// Packets the decoder rejected, per stream.
    public let decodeErrors: MetricFamily<Counter>
    /// Frames dropped before encoding (late or queue full), per stream.
    public let droppedFrames: MetricFamily<Counter>
    /// Frames encoded per second, per stream and rendition.
    public let encodeFramesPerSecond: MetricFamily<Gauge>
    /// Media seconds encoded per wall-clock second (≥ 1 keeps up), per stream and rendition.
    public let realtimeRatio: MetricFamily<Gauge>
    /// Output rate over the last segment, per stream and rendition, in bytes per second
    /// (Prometheus base unit: bitrate / 8).
    public let outputBytesPerSecond: MetricFamily<Gauge>
    /// Frames queued in front of the encoder, per stream and rendition.
    public let encoderQueueFrames: MetricFamily<Gauge>

    /// Registers (or finds) the pipeline families in `registry`.
    public init(registry: MetricsRegistry) {
        let stream = ["stream"]
        let rendition = ["stream", "rendition"]
        self.ingestState = registry.gauge(
            "mutstream_ingest_state", help: "Ingest state: 0 stopped, 1 connecting, 2 receiving, 3 failed.", labelNames: stream
        )
        self.inputFrames = registry.counter("mutstream_input_frames_total", help: "Frames read from the source.", labelNames: stream)
        self.decodeErrors = registry.counter("mutstream_decode_errors_total", help: "Packets the decoder rejected.", labelNames: stream)
        self.droppedFrames = registry.counter(
            "mutstream_dropped_frames_total", help: "Frames dropped before encoding.", labelNames: stream
        )
        self.encodeFramesPerSecond = registry.gauge(
            "mutstream_encode_frames_per_second", help: "Frames encoded per second.", labelNames: rendition
        )
        self.realtimeRatio = registry.gauge(
            "mutstream_encode_realtime_ratio", help: "Media seconds encoded per wall-clock second.", labelNames: rendition
        )
        self.outputBytesPerSecond = registry.gauge(
            "mutstream_output_bytes_per_second", help: "Encoded output rate over the last segment (bitrate / 8).", labelNames: rendition
        )
        self.encoderQueueFrames = registry.gauge(
            "mutstream_encoder_queue_frames", help: "Frames queued in front of the encoder.", labelNames: rendition
        )
    }
}
