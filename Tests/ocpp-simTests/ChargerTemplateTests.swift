import Foundation
import Testing

@testable import ocpp_sim

@Suite struct ChargerTemplateTests {
    @Test func aTemplateFileInYAMLDescribesACustomCharger() throws {
        let yaml = """
            name: hpc150
            description: DC high-power charger, one CCS cable
            vendor: Example
            model: HPC 150
            firmware: "2.0"
            connectors:
              - {type: CCS, dc: true, phases: 3, maxCurrent: 375, maxPower: 150000}
            allowedUnits: [Power]
            exclusiveDC: false
            unlimitedAmps: 250
            voltage: 230
            quirks: [no-zone]
            meterStart: 0
            """
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("template-\(UUID().uuidString).yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        let template = try ChargerTemplate.load(path: file.path)
        #expect(template.connectors.first?.maxPower == 150_000 && template.quirks == [.noZone] && template.hasDC)
        #expect(template.supportedMeasurands.contains("SoC"))
        // A built-in template written out as JSON reads back unchanged.
        let builtIn = try #require(ChargerTemplate.named("dc54"))
        let json = FileManager.default.temporaryDirectory.appendingPathComponent("template-\(UUID().uuidString).json")
        try JSONEncoder().encode(builtIn).write(to: json)
        #expect(try ChargerTemplate.load(path: json.path) == builtIn)
    }

    @Test func aScenarioFileSetsTheDrivers() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("scenario-\(UUID().uuidString).yaml")
        try """
            name: night
            sessionsPerCharger: 2
            arrivalGap: [600, 1200]
            startSoC: [10, 20]
            targetSoC: [100]
            vehicles: [etron]
            dwell: [0, 0]
            earlyLeaveChance: 0
            idTags: [NIGHT1, NIGHT2]
            """.write(to: file, atomically: true, encoding: .utf8)
        let scenario = try Scenario.load(path: file.path)
        #expect(scenario.sessionsPerCharger == 2 && scenario.targetSoC.range == 100...100 && scenario.rate == nil)
    }
}
