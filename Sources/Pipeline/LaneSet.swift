import LibAV
import Logging

/// Every rendition lane of a session: opened together, fed together, finished together.
final class LaneSet {
    let video: [EncoderLane]
    /// The video lanes fed by the decode thread; the others are fed through the cascade.
    private let sourceFedVideo: [EncoderLane]
    let audio: EncoderLane?
    private let audioSampleRate: Int

    /// Opens every encoder and muxer, announces the renditions to the sink, sends the init
    /// sections, and starts the lanes' threads.
    init(plan: RenditionPlan, hasAudio: Bool, sink: MediaSink, stats: PipelineStats, queueCapacity: Int,
         maximumDurationSeconds: Double?, logger: Logger) throws {
        let profile = plan.profile
        let partsPerSegment = max(1, Int((profile.segmentSeconds / profile.partSeconds).rounded()))
        let videoEncoders = try plan.video.map { entry in (entry.rendition, try Encoder(video: entry.settings)) }
        let audioEncoder = try (hasAudio ? plan.audio : nil).map { try Encoder(audio: $0) }
        let descriptors = plan.descriptors(hasAudio: audioEncoder != nil) { index in
            CodecString.h264(extradata: videoEncoders[index].1.extradata)
        }
        sink.begin(renditions: descriptors)

        video = try videoEncoders.map { rendition, encoder in
            let laneStats = RenditionStats(name: rendition.name)
            stats.register(laneStats)
            let clock = PartClock(partTicks: Int64(profile.framesPerPart), partsPerSegment: partsPerSegment)
            let packager = try FragmentPackager(rendition: rendition.name, encoder: encoder, clock: clock, sink: sink, stats: laneStats)
            return EncoderLane(name: rendition.name, encoder: encoder, packager: packager,
                               converter: .scale(Scaler(outputWidth: rendition.width, outputHeight: rendition.height)),
                               stats: laneStats, queueCapacity: queueCapacity, logger: logger)
        }
        // Cascade: every rung smaller in both dimensions than the top rung scales from it.
        if let top = video.first {
            let topRendition = plan.video[0].rendition
            for (index, lane) in video.enumerated().dropFirst() {
                let rendition = plan.video[index].rendition
                if rendition.width < topRendition.width, rendition.height < topRendition.height { top.addChild(lane) }
            }
        }
        let fedByCascade = Set(video.flatMap { $0.children.map(ObjectIdentifier.init) })
        sourceFedVideo = video.filter { !fedByCascade.contains(ObjectIdentifier($0)) }
        audioSampleRate = audioEncoder?.sampleRate ?? 48_000
        if let encoder = audioEncoder {
            let laneStats = RenditionStats(name: "audio")
            stats.register(laneStats)
            let clock = PartClock(partTicks: Int64((profile.partSeconds * Double(encoder.sampleRate)).rounded()), partsPerSegment: partsPerSegment)
            let packager = try FragmentPackager(rendition: "audio", encoder: encoder, clock: clock, sink: sink, stats: laneStats)
            let resampler = try Resampler(outputRate: encoder.sampleRate, outputFormat: encoder.sampleFormat,
                                          outputChannels: encoder.channelCount, frameSampleCount: encoder.frameSampleCount)
            audio = EncoderLane(name: "audio", encoder: encoder, packager: packager, converter: .resample(resampler),
                                stats: laneStats, queueCapacity: queueCapacity * 4, logger: logger)
            audio?.audioLimitPts = maximumDurationSeconds.map { Int64($0 * Double(encoder.sampleRate)) }
        } else {
            audio = nil
        }
        for lane in video { lane.start() }
        audio?.start()
    }

    /// Hands a placed video frame to every video lane (each gets its own reference).
    func pushVideo(_ frame: borrowing Frame) throws {
        for lane in sourceFedVideo { lane.queue.push(.frame(try frame.reference())) }
    }

    /// Hands a decoded audio frame to the audio lane.
    func pushAudio(_ frame: consuming Frame) {
        audio?.queue.push(.frame(frame))
    }

    /// Every lane closes its segment; audio restarts its clock where video resumes.
    func discontinuity(atFrame index: Int64, framesPerSecond: Int) {
        for lane in sourceFedVideo { lane.queue.push(.discontinuity(restartPts: index)) }
        let audioPts = index * Int64(audioSampleRate) / Int64(framesPerSecond)
        audio?.queue.push(.discontinuity(restartPts: audioPts))
    }

    /// Drains and closes every lane; returns when all have finished.
    func finish() {
        for lane in sourceFedVideo { lane.queue.push(.end) }
        audio?.queue.push(.end)
        for lane in video { lane.waitUntilFinished() }
        audio?.waitUntilFinished()
    }
}
