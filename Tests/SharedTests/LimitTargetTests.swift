import Foundation
import Testing

@testable import Shared

@Suite struct LimitTargetTests {
    static func error(_ text: String, connector: Int? = nil) -> String? {
        do {
            _ = try LimitTarget.parse(text, connector: connector)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func parsesTargets() throws {
        #expect(try LimitTarget.parse("CP01") == .charger("CP01"))
        #expect(try LimitTarget.parse("CP01", connector: 0) == .charger("CP01"))
        #expect(try LimitTarget.parse("CP01", connector: 2) == .connector("CP01", 2))
        #expect(try LimitTarget.parse("group:site") == .group("site"))
    }

    @Test func rejectsBadTargets() throws {
        #expect(try #require(Self.error("CP01", connector: -1)).contains("--connector"))
        #expect(Self.error("") != nil)
        #expect(Self.error("", connector: 1) != nil)
        #expect(Self.error("group:") != nil)
        #expect(Self.error("group:site", connector: 1) != nil)
    }

    @Test func chargerIDAndDescription() {
        #expect(LimitTarget.charger("CP01").chargerID == "CP01")
        #expect(LimitTarget.connector("CP01", 2).chargerID == "CP01")
        #expect(LimitTarget.group("site").chargerID == nil)
        #expect(LimitTarget.charger("CP01").description == "CP01")
        #expect(LimitTarget.connector("CP01", 2).description == "CP01 connector 2")
        #expect(LimitTarget.group("site").description == "group:site")
    }

    @Test func codableForm() throws {
        for target: LimitTarget in [.charger("CP01"), .connector("CP01", 2), .group("site")] {
            let data = try JSONEncoder().encode(target)
            #expect(try JSONDecoder().decode(LimitTarget.self, from: data) == target)
        }
        let zero = try JSONDecoder().decode(LimitTarget.self, from: Data(#"{"charger":"CP01","connector":0}"#.utf8))
        #expect(zero == .charger("CP01"))
    }

    @Test func limitUnits() throws {
        let amps = try LimitUnit.parse(value: 16, unit: "a")
        #expect(amps.value == 16 && amps.unit == .a)
        let kilowatts = try LimitUnit.parse(value: 11, unit: "KW")
        #expect(kilowatts.value == 11000 && kilowatts.unit == .w)
        let watts = try LimitUnit.parse(value: 11000, unit: "W")
        #expect(watts.value == 11000 && watts.unit == .w)
        #expect(throws: LimitInputError.self) { try LimitUnit.parse(value: 1, unit: "VA") }
        #expect(LimitUnit.a.convert(16, to: .w, phases: 3) == 11040)
        #expect(LimitUnit.w.convert(11040, to: .a, phases: 3) == 16)
        #expect(LimitUnit.w.convert(3680, to: .a, phases: 1) == 16)
        #expect(LimitUnit.w.convert(3679, to: .a, phases: 1) == Decimal(string: "15.9"))
        #expect(LimitUnit.a.convert(16, to: .a, phases: 3) == 16)
    }
}
