import Mesh
import Testing

@Suite struct RenditionDemandTests {
    @Test func pullsWhileReadAndStopsAfterTheIdleTime() {
        var demand = RenditionDemand(idleSeconds: 10)
        #expect(demand.noteRead(stream: "live", rendition: "720p", at: 0) == [.startPulling(stream: "live", rendition: "720p")])
        #expect(demand.noteRead(stream: "live", rendition: "720p", at: 4).isEmpty)
        #expect(demand.tick(at: 13.9).isEmpty)
        #expect(demand.nextWakeSeconds == 14)
        #expect(demand.tick(at: 14) == [.stopPulling(stream: "live", rendition: "720p")])
        #expect(!demand.isPulling(stream: "live", rendition: "720p"))
        #expect(demand.noteRead(stream: "live", rendition: "720p", at: 20) == [.startPulling(stream: "live", rendition: "720p")])
    }
}
