import Foundation
import Testing

@testable import Shared

/// Every frame real chargers sent (`../shared/ocpp/traces/`) reads in lenient mode, with the quirks reported.
@Suite struct TraceReplayTests {
    static let traces = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/ocpp/traces")

    static func frames() throws -> [(file: String, frame: String)] {
        let files = try FileManager.default.contentsOfDirectory(atPath: traces.path).filter { $0.hasSuffix(".jsonl") }.sorted()
        return try files.flatMap { file in
            try String(contentsOf: traces.appendingPathComponent(file), encoding: .utf8).split(separator: "\n").compactMap { line in
                try JSONParser.parse(String(line))["frame"].map { (file, $0.serialized()) }
            }
        }
    }

    @Test func everyTraceFrameReadsLeniently() throws {
        let frames = try Self.frames()
        #expect(frames.count >= 12)
        var repairsByAction: [String: [Repair]] = [:]
        for (file, text) in frames {
            guard case .frame(.call(let call), _, let frameRepairs) = RPCFrameParser.parse(text) else {
                Issue.record("\(file): not a CALL: \(text)")
                continue
            }
            #expect(frameRepairs.isEmpty)
            let validated = try PayloadValidator.validateRequest(call, mode: .lenient)
            _ = try validated.decodeRequest()
            repairsByAction[call.action, default: []] += validated.repairs
        }
        let boot = try #require(repairsByAction["BootNotification"])
        #expect(boot.map(\.kind) == [.propertyNameCase])
        #expect(boot.first?.path == "/chargeBoxSerialNumber")
        let status = try #require(repairsByAction["StatusNotification"])
        #expect(status.count == 4)
        #expect(status.allSatisfy { $0.kind == .absentValueRemoved && $0.path == "/info" })
        #expect(repairsByAction["StartTransaction"]?.isEmpty == true)
        #expect(repairsByAction["StopTransaction"]?.isEmpty == true)
    }

    /// The same frames are violations in strict mode: what a strict server would have refused.
    @Test func strictModeRefusesTheQuirks() throws {
        let boot = try #require(try Self.frames().first { $0.frame.contains("BootNotification") })
        guard case .frame(.call(let call), _, _) = RPCFrameParser.parse(boot.frame) else { return }
        #expect(throws: OCPPError.self) { try PayloadValidator.validateRequest(call, mode: .strict) }
    }

    @Test func threePhaseMeterValuesNormalise() throws {
        let payload = try JSONParser.parse(String(contentsOf: Self.traces.appendingPathComponent("three-phase-ac-metervalues.json"), encoding: .utf8))
        let validated = try PayloadValidator.validateRequest(RPCCall(messageID: "1", action: "MeterValues", payload: payload), mode: .strict)
        let request = try MeterValuesRequest(json: validated.payload)
        let samples = request.meterValue[0].sampledValue.map {
            NormalizedSample(value: $0.value, unit: $0.unit?.rawValue, measurand: $0.measurand?.rawValue, phase: $0.phase?.rawValue,
                location: $0.location?.rawValue, context: $0.context?.rawValue, format: $0.format?.rawValue)
        }
        #expect(request.transactionId == 68_998_625)
        #expect(samples.map(\.unit) == ["A", "A", "A", "Wh", "Hertz", "W", "Celsius"])
        #expect(samples[3].value == 6_089_000)
        #expect(samples[5].value == 1600)
    }
}
