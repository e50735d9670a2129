import Foundation
import Profiles
import Testing

struct EmbeddedDefaultProfileTests {
    @Test func theBuiltInDefaultIsTheShippedFile() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Profiles/default.yaml")
        let shipped = try String(contentsOf: file, encoding: .utf8)
        #expect(Profile.embeddedDefaultYAML.trimmingCharacters(in: .whitespacesAndNewlines)
            == shipped.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(try Profile.parse(yaml: Profile.embeddedDefaultYAML, file: "built-in") == Profile.load(contentsOf: file.path))
    }
}
