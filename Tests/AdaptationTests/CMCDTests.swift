import Testing
@testable import Adaptation

@Suite struct CMCDTests {
    @Test func parsesTheQueryForm() throws {
        // dash.js style: the whole payload percent-encoded in one argument among others.
        let query = "foo=1&CMCD=bl%3D21300%2Cbr%3D3200%2Cbs%2Ccid%3D%22faec5fc2-ac30-11eabb37-0242ac130002%22"
            + "%2Cd%3D4004%2Cmtp%3D25400%2Cot%3Dv%2Crtp%3D15000%2Csid%3D%226e2fb550-c457-11e9-bb97-0800200c9a66%22"
            + "%2Csu%2Ctb%3D6000&bar=2"
        let report = try #require(try CMCDReport.parse(query: query))
        #expect(report.bufferLengthMilliseconds == 21300)
        #expect(report.bufferLengthSeconds == 21.3)
        #expect(report.encodedBitrateKbps == 3200)
        #expect(report.bufferStarvation)
        #expect(report.contentID == "faec5fc2-ac30-11eabb37-0242ac130002")
        #expect(report.objectDurationMilliseconds == 4004)
        #expect(report.measuredThroughputKbps == 25400)
        #expect(report.objectType == "v")
        #expect(report.requestedMaximumThroughputKbps == 15000)
        #expect(report.sessionID == "6e2fb550-c457-11e9-bb97-0800200c9a66")
        #expect(report.startup)
        #expect(report.topBitrateKbps == 6000)
    }

    @Test func queryWithoutCMCDIsNil() throws {
        #expect(try CMCDReport.parse(query: "a=1&b=2") == nil)
        #expect(try CMCDReport.parse(query: "") == nil)
    }

    @Test func mergesTheFourHeaders() throws {
        let headers: [(name: String, value: String)] = [
            (name: "Host", value: "edge"),
            (name: "CMCD-Request", value: "bl=6000, mtp=12000,su"),
            (name: "cmcd-object", value: "br=1200,d=4000,ot=v,tb=4300"),
            (name: "CMCD-Status", value: "rtp=2000,bs"),
            (name: "CMCD-SESSION", value: #"cid="film",sf=h,sid="s-1",st=v,v=1"#),
        ]
        let report = try #require(try CMCDReport.parse(headers: headers))
        #expect(report.bufferLengthMilliseconds == 6000)
        #expect(report.measuredThroughputKbps == 12000)
        #expect(report.startup && report.bufferStarvation)
        #expect(report.encodedBitrateKbps == 1200 && report.objectDurationMilliseconds == 4000)
        #expect(report.topBitrateKbps == 4300 && report.requestedMaximumThroughputKbps == 2000)
        #expect(report.contentID == "film" && report.sessionID == "s-1")
        #expect(report.streamingFormat == "h" && report.streamType == "v" && report.version == 1)
        #expect(try CMCDReport.parse(headers: [(name: "Accept", value: "*/*")]) == nil)
    }

    @Test func toleratesUnknownKeysAndEscapes() throws {
        let report = try CMCDReport.parse(
            fields: #"com.example-key=500,x-custom="a,b=c",nor="..%2Fnext.m4s",sid="say \"hi\" \\ ok",bl=100,bs=false"#)
        #expect(report.bufferLengthMilliseconds == 100)
        #expect(report.nextObjectRequest == "..%2Fnext.m4s")
        #expect(report.sessionID == #"say "hi" \ ok"#)
        #expect(report.bufferStarvation == false)
    }

    @Test func rejectsMalformedInputWithTypedErrors() {
        #expect(throws: CMCDError.invalidValue(key: "bl", value: "abc")) { try CMCDReport.parse(fields: "bl=abc") }
        #expect(throws: CMCDError.invalidValue(key: "bl", value: "99999999999999999999999")) {
            try CMCDReport.parse(fields: "bl=99999999999999999999999")
        }
        #expect(throws: CMCDError.unterminatedString(key: "sid")) { try CMCDReport.parse(fields: #"sid="open"#) }
        #expect(throws: CMCDError.invalidValue(key: "sid", value: "bare")) { try CMCDReport.parse(fields: "sid=bare") }
        #expect(throws: CMCDError.invalidValue(key: "su", value: "yes")) { try CMCDReport.parse(fields: "su=yes") }
        #expect(throws: CMCDError.invalidKey("")) { try CMCDReport.parse(fields: "=5") }
        #expect(throws: CMCDError.invalidKey("b l")) { try CMCDReport.parse(fields: "b l=5") }
        #expect(throws: CMCDError.invalidPercentEncoding) { try CMCDReport.parse(query: "CMCD=bl%3") }
        #expect(throws: CMCDError.invalidPercentEncoding) { try CMCDReport.parse(query: "CMCD=bl%ZZ1") }
        #expect(throws: CMCDError.invalidValue(key: "cid", value: "x")) { try CMCDReport.parse(fields: #"cid="a"x"#) }
    }

    @Test func neverCrashesOnArbitraryBytes() {
        // A deterministic sweep of short strings over CMCD's alphabet: every one either parses
        // or throws a CMCDError.
        let alphabet = Array(#"bl=,"\%3Dsu 1a"#)
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<5000 {
            var s = ""
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            for i in 0..<Int(seed >> 60) + 1 {
                s.append(alphabet[Int((seed >> UInt64(i * 4)) & 0xF) % alphabet.count])
            }
            _ = try? CMCDReport.parse(fields: s)
            _ = try? CMCDReport.parse(query: "CMCD=" + s)
        }
    }
}
