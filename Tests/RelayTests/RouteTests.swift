import Testing

@testable import Relay

@Suite("Routes")
struct RouteTests {
    @Test func parsesTheMediaLayout() {
        guard case .master("main") = Route.parse("/live/main/master.m3u8").route else { Issue.record("master"); return }
        guard case .mediaPlaylist("main", "720p") = Route.parse("/live/main/720p/index.m3u8?_HLS_msn=3").route else {
            Issue.record("media"); return
        }
        #expect(Route.parse("/live/main/720p/index.m3u8?_HLS_msn=3").query == "_HLS_msn=3")
        guard case .initSection("main", "720p") = Route.parse("/live/main/720p/init.mp4").route else { Issue.record("init"); return }
        guard case .segment("main", "720p", 42) = Route.parse("/live/main/720p/seg42.m4s").route else { Issue.record("seg"); return }
        guard case .part("main", "720p", PartPosition(mediaSequence: 42, partIndex: 3)) = Route.parse("/live/main/720p/part42.3.m4s").route else {
            Issue.record("part"); return
        }
        guard case .admin = Route.parse("/admin/v1/reload").route else { Issue.record("admin"); return }
        guard case .metrics = Route.parse("/metrics").route else { Issue.record("metrics"); return }
    }

    @Test(arguments: [
        "/", "/live", "/live/", "/live/main", "/live/main/", "/live/../etc/passwd", "/live/main/../../etc/passwd",
        "/live/main/720p/../../master.m3u8", "/live/%2e%2e/720p/index.m3u8", "/live/main/720p/seg-1.m4s",
        "/live/main/720p/seg.m4s", "/live/main/720p/seg1x.m4s", "/live/main/720p/part1.m4s", "/live/main/720p/part1.2.3.m4s",
        "/live/main/720p/seg+1.m4s", "/live//720p/index.m3u8", "/live/main/720p/index.m3u8/x", "/live/.x/720p/init.mp4",
        "/live/main/720p/seg99999999999999999999.m4s", "/metrics/x", "/healthz/", "/admin", "//live/main/master.m3u8",
    ])
    func rejectsMalformedAndTraversingPaths(_ path: String) {
        guard case .notFound = Route.parse(path).route else {
            Issue.record("\(path) should not route")
            return
        }
    }

    @Test func parsesDeliveryDirectives() {
        #expect(DeliveryDirectives.parse(nil) == DeliveryDirectives())
        #expect(DeliveryDirectives.parse("_HLS_msn=5") == DeliveryDirectives(mediaSequence: 5))
        #expect(DeliveryDirectives.parse("_HLS_msn=5&_HLS_part=2") == DeliveryDirectives(mediaSequence: 5, partIndex: 2))
        #expect(DeliveryDirectives.parse("_HLS_part=2&_HLS_msn=5&x=1") == DeliveryDirectives(mediaSequence: 5, partIndex: 2))
        #expect(DeliveryDirectives.parse("_HLS_part=2") == nil)
        #expect(DeliveryDirectives.parse("_HLS_msn=-1") == nil)
        #expect(DeliveryDirectives.parse("_HLS_msn=") == nil)
        #expect(DeliveryDirectives.parse("_HLS_msn=1&_HLS_part=x") == nil)
    }
}
