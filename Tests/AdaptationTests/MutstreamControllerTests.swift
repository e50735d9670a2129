import Testing
@testable import Adaptation

/// The controller's re-planning (recourse) term, on decisions fed a recorded history.
@Suite struct MutstreamControllerTests {
    /// A controller that has delivered ten 1850 kbit/s chunks of 4 s at 3 Mbit/s with two dips
    /// (to 1.5 and 1.2 Mbit/s), so its error history holds two pessimistic scenarios.
    func controllerAfterDips(_ parameters: MutstreamController.Parameters) -> MutstreamController {
        var controller = MutstreamController(parameters: parameters)
        let nominal = ChunkSizeTable(nominal: .standard, chunkDurationSeconds: 4)
        let bytes = 1850.0 * 1000 / 8 * 4
        for (chunk, kbps) in [3000.0, 3000, 1500, 3000, 3000, 3000, 1200, 3000, 3000, 3000].enumerated() {
            _ = controller.decide(DecisionContext(
                ladder: .standard, chunkSizes: nominal, nextChunkIndex: chunk, chunksRemaining: 40,
                bufferSeconds: 15, bufferCapacitySeconds: 60, lastRenditionIndex: 3))
            controller.observe(.transport(TransportSample(
                deliveryRateKbps: kbps, deliveryRateAppLimited: false, rttSeconds: 0.08, minRTTSeconds: 0.08,
                congestionWindowBytes: 100_000, totalRetransmits: 0)))
            controller.observe(.delivered(ChunkDelivery(
                renditionIndex: 3, bytes: bytes, durationSeconds: 0.08 + bytes * 8 / 1000 / kbps,
                mediaDurationSeconds: 4)))
        }
        return controller
    }

    func decide(recourse: Bool = true, outage: Bool = true, bufferSeconds: Double, chunksRemaining: Int) -> Int {
        var parameters = MutstreamController.Parameters()
        if !recourse {
            parameters.recourseWeight = 0
            parameters.endRecourseWeight = 0
        }
        if !outage { parameters.outageWeight = 0 }
        var controller = controllerAfterDips(parameters)
        return controller.decide(DecisionContext(
            ladder: .standard, chunkSizes: ChunkSizeTable(nominal: .standard, chunkDurationSeconds: 4),
            nextChunkIndex: 20, chunksRemaining: chunksRemaining, bufferSeconds: bufferSeconds,
            bufferCapacitySeconds: 60, lastRenditionIndex: 3))
    }

    @Test func recourseSpendsBufferThatTheEndOfTheStreamWouldWaste() {
        // 30 s of buffer and 3 chunks to go: an open-loop plan must keep a rest that survives the
        // dips for all three chunks; re-planning after the first can step down if a dip comes.
        let openLoop = decide(recourse: false, bufferSeconds: 30, chunksRemaining: 3)
        let shipped = decide(recourse: true, bufferSeconds: 30, chunksRemaining: 3)
        #expect(shipped > openLoop, "\(shipped) vs open loop \(openLoop)")
    }

    @Test func shortBufferLeavesNoRoomToReplan() {
        // With 2 s buffered there is no time to react, so recourse adds nothing.
        for remaining in [3, 20] {
            #expect(decide(recourse: true, bufferSeconds: 2, chunksRemaining: remaining)
                == decide(recourse: false, bufferSeconds: 2, chunksRemaining: remaining))
        }
    }

    /// A controller that has delivered ten 2850 kbit/s chunks over a steady 2 Mbit/s path, then
    /// asked for chunk 20 with `bufferSeconds` buffered: staying at 2850 drains about 1.7 s per
    /// chunk without stalling within the horizon.
    func decideAfterSteadyDrain(outage: Bool, bufferSeconds: Double, chunksRemaining: Int) -> Int {
        var parameters = MutstreamController.Parameters()
        if !outage { parameters.outageWeight = 0 }
        var controller = MutstreamController(parameters: parameters)
        let nominal = ChunkSizeTable(nominal: .standard, chunkDurationSeconds: 4)
        let bytes = 2850.0 * 1000 / 8 * 4
        for chunk in 0..<10 {
            _ = controller.decide(DecisionContext(
                ladder: .standard, chunkSizes: nominal, nextChunkIndex: chunk, chunksRemaining: 40,
                bufferSeconds: 20, bufferCapacitySeconds: 60, lastRenditionIndex: 4))
            controller.observe(.transport(TransportSample(
                deliveryRateKbps: 2000, deliveryRateAppLimited: false, rttSeconds: 0.08, minRTTSeconds: 0.08,
                congestionWindowBytes: 100_000, totalRetransmits: 0)))
            controller.observe(.delivered(ChunkDelivery(
                renditionIndex: 4, bytes: bytes, durationSeconds: 0.08 + bytes * 8 / 1000 / 2000,
                mediaDurationSeconds: 4)))
        }
        return controller.decide(DecisionContext(
            ladder: .standard, chunkSizes: nominal, nextChunkIndex: 20, chunksRemaining: chunksRemaining,
            bufferSeconds: bufferSeconds, bufferCapacitySeconds: 60, lastRenditionIndex: 4))
    }

    @Test func outageValueKeepsAShortBufferFromBeingDrained() {
        // 8 s buffered: without a value on the buffer left at the horizon's end, the plan keeps
        // 2850 and drains it; charging the stall of an outage after the horizon steps down.
        let shipped = decideAfterSteadyDrain(outage: true, bufferSeconds: 8, chunksRemaining: 20)
        let blind = decideAfterSteadyDrain(outage: false, bufferSeconds: 8, chunksRemaining: 20)
        #expect(shipped < blind, "\(shipped) vs without the outage value \(blind)")
    }

    @Test func outageValueHoardsNeitherALongBufferNorOneAtTheEnd() {
        // Several outages' worth of buffer is worth little more, so it does not hold back...
        #expect(decideAfterSteadyDrain(outage: true, bufferSeconds: 45, chunksRemaining: 20)
            == decideAfterSteadyDrain(outage: false, bufferSeconds: 45, chunksRemaining: 20))
        // ...and once the horizon reaches the end of the stream, buffer left over is worth nothing.
        #expect(decideAfterSteadyDrain(outage: true, bufferSeconds: 8, chunksRemaining: 4)
            == decideAfterSteadyDrain(outage: false, bufferSeconds: 8, chunksRemaining: 4))
    }
}
