import Foundation

extension MeshHTTPClient {
    /// Reads one response from `receive` (the next bytes of the connection, plain or TLS),
    /// reporting body bytes to `onBodyBytes` as they arrive.
    static func readResponse(receive: () throws(Failure) -> [UInt8], onBodyBytes: ((Int) -> Void)?) throws(Failure) -> Response {
        var buffer = [UInt8]()
        var headerEnd: Int?
        var status = 0
        var length = -1
        while true {
            if headerEnd == nil, let end = findHeaderEnd(buffer) {
                headerEnd = end
                (status, length) = try parseHead(buffer[..<end])
                guard length <= maximumBodyBytes else { throw .malformed("body of \(length) bytes") }
            }
            if let end = headerEnd, buffer.count - end >= length {
                return Response(status: status, body: Array(buffer[end..<(end + length)]), wireBytes: end + length)
            }
            let chunk = try receive()
            let bodyBefore = headerEnd.map { buffer.count - $0 } ?? 0
            buffer.append(contentsOf: chunk)
            if let onBodyBytes {
                let end = headerEnd ?? findHeaderEnd(buffer)
                if let end, buffer.count - end > bodyBefore { onBodyBytes(buffer.count - end - bodyBefore) }
            }
            if headerEnd == nil, buffer.count > 64 * 1024 { throw .malformed("header too long") }
        }
    }

    private static func findHeaderEnd(_ buffer: [UInt8]) -> Int? {
        guard buffer.count >= 4 else { return nil }
        for i in 0...(buffer.count - 4) where buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 {
            return i + 4
        }
        return nil
    }

    private static func parseHead(_ head: ArraySlice<UInt8>) throws(Failure) -> (status: Int, length: Int) {
        let lines = String(decoding: head, as: UTF8.self).split(separator: "\r\n")
        guard let first = lines.first, first.hasPrefix("HTTP/1."), first.count >= 12, let status = Int(first.dropFirst(9).prefix(3)) else {
            throw .malformed("status line")
        }
        var length = 0
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let name = parts[0].lowercased()
            if name == "content-length" {
                guard let value = Int(parts[1].trimmingCharacters(in: .whitespaces)), value >= 0 else { throw .malformed("content-length") }
                length = value
            } else if name == "transfer-encoding" {
                throw .malformed("chunked transfer encoding is not read")
            }
        }
        return (status, length)
    }
}
