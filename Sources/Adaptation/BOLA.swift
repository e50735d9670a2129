/// BOLA-BASIC (Spiteri, Urgaonkar, Sitaraman, INFOCOM 2016): chooses the rendition maximising
/// `(V·(υ + γp) − Q) / S`, where υ = ln(S/S₁) is a rendition's utility, Q the buffer in chunks
/// and S its bitrate. It reads only the buffer level.
public struct BOLA: RenditionSelector {
    /// γp: how strongly the rule avoids rebuffering, in utility units.
    public var gammaP: Double

    /// A BOLA-BASIC selector with the paper's γp = 5.
    public init(gammaP: Double = 5) { self.gammaP = gammaP }

    public var name: String { SelectorKind.bola.rawValue }

    public mutating func observe(_ event: PathEvent) {}

    public mutating func decide(_ context: DecisionContext) -> Int {
        let ladder = context.ladder
        let lowest = ladder[0]
        let topUtility = naturalLog(ladder[ladder.count - 1] / lowest)
        // V places the top rendition's threshold one chunk below the buffer capacity.
        let capacityChunks = max(2, context.bufferCapacitySeconds / context.chunkDurationSeconds)
        let v = (capacityChunks - 1) / (topUtility + gammaP)
        let bufferChunks = context.bufferSeconds / context.chunkDurationSeconds
        var best = 0
        var bestScore = -Double.infinity
        for m in 0..<ladder.count {
            let utility = naturalLog(ladder[m] / lowest)
            let score = (v * (utility + gammaP) - bufferChunks) / ladder[m]
            if score > bestScore { bestScore = score; best = m }
        }
        return best
    }
}
