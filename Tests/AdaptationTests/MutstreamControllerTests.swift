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

    func decide(recourse: Bool, bufferSeconds: Double, chunksRemaining: Int) -> Int {
        var parameters = MutstreamController.Parameters()
        if !recourse {
            parameters.recourseWeight = 0
            parameters.endRecourseWeight = 0
        }
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
}
