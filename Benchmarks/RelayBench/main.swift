// relay-bench: the delivery side of the Relay module under load, for Benchmarks/serve/run.sh.
//
//   relay-bench serve  --port P [--part-bytes N] [--parts K]   serve K synthetic parts until stdin closes
//   relay-bench export --dir D  [--part-bytes N] [--parts K]   write the same parts as static files
//   relay-bench ttfb   [--samples N]                            time-to-first-byte of blocking part requests
//
// `serve` and `export` produce byte-identical files under the same URLs, so nginx and
// mutstream are measured serving the same bytes.
import Glibc
import Logging
import Relay

let arguments = Array(CommandLine.arguments.dropFirst())

func option(_ name: String, default value: Int) -> Int {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let parsed = Int(arguments[index + 1]) else {
        return value
    }
    return parsed
}

func stringOption(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

let partBytes = option("--part-bytes", default: 64 * 1024)
let partCount = option("--parts", default: 16)

switch arguments.first {
case "serve":
    try await serve(port: option("--port", default: 8088), partBytes: partBytes, partCount: partCount)
case "export":
    guard let directory = stringOption("--dir") else { fatalError("export needs --dir") }
    try export(directory: directory, partBytes: partBytes, partCount: partCount)
case "ttfb":
    try await measureTimeToFirstByte(samples: option("--samples", default: 300), partBytes: partBytes)
default:
    print("usage: relay-bench serve|export|ttfb [options]")
    exit(2)
}
