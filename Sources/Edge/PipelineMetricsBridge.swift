import Foundation
import Pipeline
import Relay

/// Copies each session's counters into the Prometheus families once per tick: cumulative
/// counters advance by their deltas, rates are deltas over the tick.
final class PipelineMetricsBridge: @unchecked Sendable {
    // @unchecked: `update` is called from one task only (the node's metrics loop).
    private let metrics: PipelineMetrics
    private var previous: [String: Snapshot] = [:]
    private var lastTick = Date()

    private struct Snapshot {
        var inputFrames = 0
        var decodeErrors = 0
        var droppedFrames = 0
        var renditions: [String: (frames: Int, bytes: Int)] = [:]
    }

    init(registry: MetricsRegistry) {
        metrics = PipelineMetrics(registry: registry)
    }

    func update(_ runners: [StreamRunner]) {
        let now = Date()
        let seconds = max(0.001, now.timeIntervalSince(lastTick))
        lastTick = now
        var current: [String: Snapshot] = [:]
        for runner in runners {
            let stats = runner.session.stats
            let stream = runner.name
            let before = previous[stream] ?? Snapshot()
            var snapshot = Snapshot(inputFrames: stats.inputFrameCount, decodeErrors: stats.decodeErrorCount + stats.corruptPacketCount,
                                    droppedFrames: stats.droppedFrameCount)
            metrics.ingestState.labels(stream).set(Self.gaugeValue(stats.ingestState))
            metrics.inputFrames.labels(stream).increment(by: UInt64(max(0, snapshot.inputFrames - before.inputFrames)))
            metrics.decodeErrors.labels(stream).increment(by: UInt64(max(0, snapshot.decodeErrors - before.decodeErrors)))
            metrics.droppedFrames.labels(stream).increment(by: UInt64(max(0, snapshot.droppedFrames - before.droppedFrames)))
            let framesPerSecond = Double(runner.session.profile.frameRate)
            for lane in stats.renditions {
                let old = before.renditions[lane.name] ?? (0, 0)
                let frames = lane.framesEncoded, bytes = lane.bytesOut
                snapshot.renditions[lane.name] = (frames, bytes)
                let encodedPerSecond = Double(frames - old.frames) / seconds
                metrics.encodeFramesPerSecond.labels(stream, lane.name).set(encodedPerSecond)
                // Media seconds encoded per wall second: 1.0 keeps up with a live source.
                metrics.realtimeRatio.labels(stream, lane.name).set(lane.name == "audio" ? 1 : encodedPerSecond / framesPerSecond)
                metrics.outputBytesPerSecond.labels(stream, lane.name).set(Double(bytes - old.bytes) / seconds)
                metrics.encoderQueueFrames.labels(stream, lane.name).set(lane.queueDepth)
            }
            current[stream] = snapshot
        }
        previous = current
    }

    /// Forgets a stream's series (it was removed or restarted by a reload).
    func forget(stream: String, renditions: [String]) {
        previous[stream] = nil
        metrics.ingestState.remove(stream)
        for rendition in renditions {
            metrics.encodeFramesPerSecond.remove(stream, rendition)
            metrics.realtimeRatio.remove(stream, rendition)
            metrics.outputBytesPerSecond.remove(stream, rendition)
            metrics.encoderQueueFrames.remove(stream, rendition)
        }
    }

    /// The family's documented encoding: 0 stopped, 1 connecting, 2 receiving, 3 failed.
    static func gaugeValue(_ state: IngestState) -> Int {
        switch state {
        case .connecting, .reconnecting: 1
        case .producing: 2
        case .ended: 0
        }
    }
}
