/// The JSON form of index entries on the mesh API.
///
/// ```json
/// {"v":1,"stream":"live","rendition":"720p","msn":12,"part":3,"pts":1080000,"timescale":90000,
///  "duration_us":500000,"independent":true,"length":48213,"sha256":"<64 hex digits>",
///  "origin":"box-a","sig":"<base64 of 64 bytes>"}
/// ```
///
/// A plain entry has the same fields without `origin` and `sig`. Decoding validates every
/// field as ``ChunkIndexEntry/init(id:presentationTimeValue:timescaleHz:durationMicroseconds:isIndependent:lengthBytes:sha256:)`` does.
extension ChunkIndexEntry: Codable {
    enum CodingKeys: String, CodingKey {
        case version = "v", stream, rendition, mediaSequence = "msn", partIndex = "part"
        case presentationTimeValue = "pts", timescaleHz = "timescale", durationMicroseconds = "duration_us"
        case isIndependent = "independent", lengthBytes = "length", sha256
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let version = try c.decodeIfPresent(UInt8.self, forKey: .version), version != Self.canonicalVersion {
            throw DecodingError.dataCorruptedError(forKey: .version, in: c, debugDescription: "unsupported index entry version \(version)")
        }
        let hex = try c.decode(String.self, forKey: .sha256)
        guard let digest = Hex.decode(hex) else {
            throw DecodingError.dataCorruptedError(forKey: .sha256, in: c, debugDescription: "not hexadecimal")
        }
        let id = ChunkID(
            stream: try c.decode(String.self, forKey: .stream), rendition: try c.decode(String.self, forKey: .rendition),
            mediaSequence: try c.decode(UInt64.self, forKey: .mediaSequence), partIndex: try c.decode(UInt32.self, forKey: .partIndex)
        )
        do {
            try self.init(
                id: id, presentationTimeValue: try c.decode(Int64.self, forKey: .presentationTimeValue),
                timescaleHz: try c.decode(UInt32.self, forKey: .timescaleHz),
                durationMicroseconds: try c.decode(UInt64.self, forKey: .durationMicroseconds),
                isIndependent: try c.decode(Bool.self, forKey: .isIndependent),
                lengthBytes: try c.decode(UInt64.self, forKey: .lengthBytes), sha256: digest
            )
        } catch let error as ChunkIndexEntryError {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description, underlyingError: error))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.canonicalVersion, forKey: .version)
        try c.encode(id.stream, forKey: .stream)
        try c.encode(id.rendition, forKey: .rendition)
        try c.encode(id.mediaSequence, forKey: .mediaSequence)
        try c.encode(id.partIndex, forKey: .partIndex)
        try c.encode(presentationTimeValue, forKey: .presentationTimeValue)
        try c.encode(timescaleHz, forKey: .timescaleHz)
        try c.encode(durationMicroseconds, forKey: .durationMicroseconds)
        try c.encode(isIndependent, forKey: .isIndependent)
        try c.encode(lengthBytes, forKey: .lengthBytes)
        try c.encode(Hex.encode(sha256), forKey: .sha256)
    }
}

extension SignedIndexEntry: Codable {
    enum CodingKeys: String, CodingKey {
        case originID = "origin", signature = "sig"
    }

    public init(from decoder: any Decoder) throws {
        let entry = try ChunkIndexEntry(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard let signature = Base64.decode(try c.decode(String.self, forKey: .signature)) else {
            throw DecodingError.dataCorruptedError(forKey: .signature, in: c, debugDescription: "not base64")
        }
        do {
            try self.init(entry: entry, originID: try c.decode(String.self, forKey: .originID), signature: signature)
        } catch let error as ChunkIndexEntryError {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description, underlyingError: error))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        // Flat: the entry's fields and these two share one JSON object.
        try entry.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(originID, forKey: .originID)
        try c.encode(Base64.encode(signature), forKey: .signature)
    }
}
