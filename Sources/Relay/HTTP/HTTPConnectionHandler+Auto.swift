import Adaptation
import Glibc
import NIOCore
import NIOHTTP1

/// `auto` playlists and the measurement of media responses to their players.
extension HTTPConnectionHandler {
    // MARK: Playlists

    func answerAutoPlaylist(context: ChannelHandlerContext, stream: Substring) {
        guard let directives = DeliveryDirectives.parse(self.query) else {
            return self.respondText(context: context, status: .badRequest, "bad delivery directive\n")
        }
        guard let (session, ladder) = self.autoSession(context: context, stream: stream) else { return self.notFound(context: context) }
        if directives.partIndex != nil { session.noteFetchesParts() }
        self.autoPlaylistStep(context: context, stream: stream, session: session, ladder: ladder, directives: directives, attempt: 0)
    }

    func answerAutoMaster(context: ChannelHandlerContext, stream: Substring) {
        guard let (session, ladder) = self.autoSession(context: context, stream: stream),
              let descriptor = self.server.store.descriptor(stream: stream)
        else { return self.notFound(context: context) }
        let text = AutoPlaylist.renderMaster(descriptor: descriptor, ladder: ladder, sessionID: session.idText)
        self.respond(
            context: context, status: .ok, contentType: ServerContext.playlistType, cacheControl: ServerContext.noStore,
            body: .buffer(context.channel.allocator.buffer(string: text)), extraHeaders: [("x-mutstream-session", session.idText)]
        )
    }

    /// Finds or creates the request's session and feeds it the request's CMCD.
    private func autoSession(context: ChannelHandlerContext, stream: Substring) -> (AutoSession, AutoLadder)? {
        guard let head = self.head, let descriptor = self.server.store.descriptor(stream: stream),
              let ladder = self.server.sessions.ladder(for: descriptor)
        else { return nil }
        let report = AutoRequest.clientData(query: self.query, headers: head.headers)
        let session = self.server.sessions.session(
            forPlaylist: stream, explicitID: AutoRequest.sessionID(query: self.query),
            clientSessionKey: report?.sessionID.map { AutoSessionTable.clientSessionKey(stream: stream, sessionID: $0) },
            peerKey: self.peerKey(context: context, stream: stream, head: head),
            nowNanoseconds: NIODeadline.now().uptimeNanoseconds
        )
        if let report { session.record(.clientData(report)) }
        return (session, ladder)
    }

    /// Holds a blocking reload on the rendition the session plays at the requested segment;
    /// after the hold, checks once more (a switch may have moved the segment to a rendition a
    /// part behind) before answering.
    private func autoPlaylistStep(
        context: ChannelHandlerContext, stream: Substring, session: AutoSession, ladder: AutoLadder,
        directives: DeliveryDirectives, attempt: Int
    ) {
        let index = session.renditionIndex(for: directives.mediaSequence ?? Int.max)
            ?? ladder.bitrates.highestIndex(notAbove: self.server.sessions.configuration.initialBitrateKbps)
        let rendition = ladder.names[index]
        let decision = self.server.store.decidePlaylistRequest(
            stream: stream, rendition: rendition, mediaSequence: directives.mediaSequence,
            partIndex: directives.partIndex, maxWaitSeconds: self.server.configuration.maxBlockingWaitSeconds
        )
        switch decision {
        case .notFound:
            self.notFound(context: context)
        case .badRequest:
            self.respondText(context: context, status: .badRequest, "_HLS_msn/_HLS_part too far beyond the live edge\n")
        case .ready:
            if attempt == 0, directives.mediaSequence != nil {
                // Make this segment's choice now, then make sure its rendition has the target.
                self.advanceAutoSession(stream: stream, session: session, ladder: ladder)
                if session.renditionIndex(for: directives.mediaSequence ?? 0) != index {
                    return self.autoPlaylistStep(
                        context: context, stream: stream, session: session, ladder: ladder, directives: directives, attempt: 1
                    )
                }
            }
            self.sendAutoPlaylist(context: context, stream: stream, session: session, ladder: ladder)
        case .wait(let target, let timeoutSeconds):
            self.server.store.wait(
                for: target, stream: String(stream), rendition: rendition,
                timeout: .nanoseconds(Int64(timeoutSeconds * 1e9)), on: context.eventLoop
            ).assumeIsolated().whenSuccess { outcome in
                guard self.isActive else { return }
                switch outcome {
                case .ready, .unavailable:
                    if attempt == 0 {
                        self.autoPlaylistStep(
                            context: context, stream: stream, session: session, ladder: ladder, directives: directives, attempt: 1
                        )
                    } else {
                        self.sendAutoPlaylist(context: context, stream: stream, session: session, ladder: ladder)
                    }
                case .timedOut:
                    self.respondText(context: context, status: .serviceUnavailable, "not produced in time\n")
                }
            }
        }
    }

    @discardableResult
    private func advanceAutoSession(stream: Substring, session: AutoSession, ladder: AutoLadder) -> (AutoWindow, SwitchHistory)? {
        guard let window = self.server.store.autoWindow(stream: stream, ladder: ladder),
              let history = session.advance(window: window, ladder: ladder, configuration: self.server.sessions.configuration)
        else { return nil }
        return (window, history)
    }

    private func sendAutoPlaylist(context: ChannelHandlerContext, stream: Substring, session: AutoSession, ladder: AutoLadder) {
        guard let (window, history) = self.advanceAutoSession(stream: stream, session: session, ladder: ladder) else {
            return self.respondText(context: context, status: .serviceUnavailable, "stream not started\n")
        }
        let text = AutoPlaylist.renderMedia(window: window, history: history, ladder: ladder)
        self.respond(
            context: context, status: .ok, contentType: ServerContext.playlistType, cacheControl: ServerContext.noStore,
            body: .buffer(context.channel.allocator.buffer(string: text)), extraHeaders: [("x-mutstream-session", session.idText)]
        )
    }

    // MARK: Measuring media responses

    /// Before a media response is written: if it goes to an auto session's player and is of
    /// one of the session's renditions, starts measuring it (``DeliveryProbe``). Costs one
    /// atomic load when there are no sessions.
    func prepareDeliveryProbe(
        context: ChannelHandlerContext, stream: Substring, rendition: Substring, bodyBytes: @autoclosure () -> Int, isSegment: Bool
    ) {
        let table = self.server.sessions
        guard table.count > 0, let head = self.head, head.method == .GET else { return }
        let report = AutoRequest.clientData(query: self.query, headers: head.headers)
        guard let session = table.session(
            forMedia: report?.sessionID.map { AutoSessionTable.clientSessionKey(stream: stream, sessionID: $0) },
            peerKey: self.peerKey(context: context, stream: stream, head: head),
            nowNanoseconds: NIODeadline.now().uptimeNanoseconds
        ) else { return }
        if let report { session.record(.clientData(report)) }
        guard let (index, ladder) = session.ladderPosition(of: rendition, fetchingPart: !isSegment) else { return }
        let configuration = table.configuration
        if !self.notSentLowWaterMarkSet, configuration.notSentLowWaterMarkBytes > 0 {
            self.notSentLowWaterMarkSet = true
            TCPInfo.setNotSentLowWaterMark(channel: context.channel, bytes: configuration.notSentLowWaterMarkBytes)
        }
        self.deliveryProbe = DeliveryProbe(
            session: session, renditionIndex: index, bodyBytes: bodyBytes(),
            mediaSeconds: isSegment ? ladder.segmentSeconds : ladder.partSeconds,
            startNanoseconds: NIODeadline.now().uptimeNanoseconds, minimumSampleBytes: configuration.minimumSampleBytes
        )
        // On the channel's loop NIO's getsockopt completes the future before this returns.
        TCPInfo.read(channel: context.channel).assumeIsolated().whenSuccess { info in
            self.deliveryProbe?.start = info
        }
    }

    /// After the response's last write: reads `TCP_INFO` until the body is acknowledged (a
    /// timer on the channel's loop between reads), then hands the samples to the session
    /// (and an interim one on the way when the response runs longer than its media).
    static func finishDeliveryProbe(_ probe: DeliveryProbe, channel: any Channel) {
        TCPInfo.read(channel: channel).whenSuccess { info in
            switch probe.step(end: info, nowNanoseconds: NIODeadline.now().uptimeNanoseconds) {
            case .done(let delivery, let transport):
                probe.session.recordDelivery(delivery, transport: transport)
            case .again(let seconds, let next, let interim):
                if let (delivery, transport) = interim { probe.session.recordDelivery(delivery, transport: transport) }
                channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(seconds * 1e9))) {
                    Self.finishDeliveryProbe(next, channel: channel)
                }
            }
        }
    }

    /// While a measured body is being written: once the response has run as long as its
    /// media, reads `TCP_INFO` every quarter of that and hands interim samples to the session
    /// (``DeliveryProbe/interim(end:nowNanoseconds:)``), so a response slower than real time is
    /// seen before its last write completes. With `TCP_NOTSENT_LOWAT` that write completes
    /// only near the end of the body, after the next segment's rendition may have been chosen.
    func followWhileWriting(_ probe: DeliveryProbe, channel: any Channel) {
        // Of pipelined responses only the first is followed while written; the others are
        // measured after their last write, as every response is.
        guard self.writingProbe == nil else { return }
        self.writingProbe = probe
        let start = probe.startNanoseconds
        let first = NIODeadline.uptimeNanoseconds(start + UInt64(probe.mediaSeconds * 1e9))
        self.readWhileWriting(start: start, at: first, every: .nanoseconds(Int64(max(probe.mediaSeconds / 4, 0.05) * 1e9)), channel: channel)
    }

    private func readWhileWriting(start: UInt64, at deadline: NIODeadline, every period: TimeAmount, channel: any Channel) {
        self.writingRead = channel.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            guard self.writingProbe?.startNanoseconds == start else { return }
            TCPInfo.read(channel: channel).assumeIsolated().whenSuccess { info in
                guard let info, let probe = self.writingProbe, probe.startNanoseconds == start else { return }
                let now = NIODeadline.now().uptimeNanoseconds
                if let (sample, next) = probe.interim(end: info, nowNanoseconds: now) {
                    self.writingProbe = next
                    probe.session.recordDelivery(sample, transport: probe.interimTransportSample(end: info, nowNanoseconds: now))
                }
                self.readWhileWriting(start: start, at: .now() + period, every: period, channel: channel)
            }
        }
    }

    /// The probe of a response whose last write completed, with the interim samples taken
    /// while it was written; stops the reads.
    func takeWritingProbe(_ probe: DeliveryProbe) -> DeliveryProbe {
        guard let writing = self.writingProbe, writing.startNanoseconds == probe.startNanoseconds else { return probe }
        self.writingProbe = nil
        self.writingRead?.cancel()
        self.writingRead = nil
        return writing
    }

    /// The client's key for a stream: its address (hashed once per connection) and `User-Agent`.
    private func peerKey(context: ChannelHandlerContext, stream: Substring, head: RequestHead) -> UInt64 {
        let addressHash: Int
        if let known = self.peerAddressHash {
            addressHash = known
        } else {
            var hasher = Hasher()
            switch context.channel.remoteAddress {
            case .v4(let address):
                hasher.combine(address.address.sin_addr.s_addr)
            case .v6(let address):
                withUnsafeBytes(of: address.address.sin6_addr) { hasher.combine(bytes: $0) }
            case .unixDomainSocket, nil:
                hasher.combine(0)
            }
            addressHash = hasher.finalize()
            self.peerAddressHash = addressHash
        }
        return AutoSessionTable.peerKey(stream: stream, addressHash: addressHash, userAgent: head.headers.first(name: "user-agent"))
    }
}
