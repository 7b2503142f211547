import Foundation
import Testing

@testable import Shared

@Suite struct JSONNumberTests {
    @Test(arguments: ["0", "-1", "21.4", "1e3", "1E+3", "-0.5e-2", "9223372036854775807"])
    func acceptsGrammar(text: String) {
        #expect(JSONNumber(text: text)?.text == text)
    }

    @Test(arguments: ["", "-", "01", "1.", ".5", "1e", "+1", "0x10", "NaN", "1 "])
    func rejectsGrammar(text: String) {
        #expect(JSONNumber(text: text) == nil)
    }

    @Test func integerAccessors() throws {
        #expect(try #require(JSONNumber(text: "42")).int == 42)
        #expect(try #require(JSONNumber(text: "42.0")).int == nil)
        #expect(try #require(JSONNumber(text: "9223372036854775808")).int64 == nil)
    }

    @Test func decimalIsExact() throws {
        let n = try #require(JSONNumber(text: "21.4"))
        #expect(n.decimal == Decimal(string: "21.4"))
        #expect(JSONNumber(Decimal(string: "16.50")!).text == "16.5")
        #expect(JSONNumber(Decimal(16)).text == "16")
    }
}
