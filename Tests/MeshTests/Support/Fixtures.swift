import Mesh

/// Key material made once with `openssl genpkey -algorithm ed25519`, so the PEM path is
/// checked against what OpenSSL writes.
enum Fixtures {
    static let originPEM = """
        -----BEGIN PRIVATE KEY-----
        MC4CAQAwBQYDK2VwBCIEIFM3mJD7MCcGxNQb2cqtRVvA/N0DR5zEfStguAMzUeKI
        -----END PRIVATE KEY-----

        """
    /// `openssl pkey -pubout -outform DER | tail -c 32 | base64` of the key above.
    static let originPublicKeyBase64 = "IjFByloU1xCp3X5Ypn8vseAfuJWQ4J9+MaGh+C9/MRw="

    static func signer() throws -> IndexSigner {
        try IndexSigner(originID: "origin-1", keyFileContents: Array(originPEM.utf8))
    }

    /// A chunk's bytes: deterministic, distinct per sequence number.
    static func chunkBytes(sequence: UInt64, lengthBytes: Int = 1000) -> [UInt8] {
        (0..<lengthBytes).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(sequence) &* 7) }
    }

    /// The index entry of `bytes`, as the origin would publish it.
    static func entry(
        sequence: UInt64, part: UInt32 = 0, bytes: [UInt8], durationMicroseconds: UInt64 = 500_000,
        stream: String = "live", rendition: String = "720p"
    ) throws -> ChunkIndexEntry {
        let digest = ChunkDigester.digest(bytes)
        return try ChunkIndexEntry(
            id: ChunkID(stream: stream, rendition: rendition, mediaSequence: sequence, partIndex: part),
            presentationTimeValue: Int64(sequence) * 45_000, timescaleHz: 90_000,
            durationMicroseconds: durationMicroseconds, isIndependent: part == 0,
            lengthBytes: digest.lengthBytes, sha256: digest.sha256
        )
    }

    /// An entry for scheduling tests, where only the length and duration matter.
    static func scheduled(
        _ sequence: UInt64, lengthBytes: UInt64 = 100_000, durationSeconds: Double = 0.5, rendition: String = "720p"
    ) -> ChunkIndexEntry {
        try! ChunkIndexEntry(
            id: chunk(sequence, rendition: rendition), presentationTimeValue: Int64(sequence) * 45_000,
            timescaleHz: 90_000, durationMicroseconds: UInt64(durationSeconds * 1_000_000), isIndependent: true,
            lengthBytes: lengthBytes, sha256: [UInt8](repeating: 0, count: 32)
        )
    }

    static func chunk(_ sequence: UInt64, rendition: String = "720p") -> ChunkID {
        ChunkID(stream: "live", rendition: rendition, mediaSequence: sequence, partIndex: 0)
    }
}
