import Foundation
import Shared
import Testing

@testable import ocpp_report

@Suite struct ReportOutputTests {
    @Test func csvQuotesWhatNeedsQuotingAndJSONKeepsTheFieldNames() throws {
        let table = ReportTable(
            columns: ["a", "b", "c", "d"],
            rows: [
                [.text("x,y"), .number(1.23456, places: 3), .list(["meter-gap", "stale"]), .counts([("GroundFailure", 2)])],
                [.null, .integer(-4), .list([]), .counts([])],
            ]
        )
        #expect(table.csv == "a,b,c,d\n\"x,y\",1.235,meter-gap;stale,GroundFailure=2\n,-4,,\n")
        let json = try JSONParser.parse(table.json)
        #expect(json.arrayValue?.count == 2)
        #expect(json.arrayValue?[0]["c"] == .array(["meter-gap", "stale"]))
        #expect(json.arrayValue?[0]["d"]?["GroundFailure"] == 2)
        #expect(json.arrayValue?[1]["a"] == .null)
        #expect(ReportTable.format(-0.0001, places: 2) == "0.00")
        #expect(ReportTable.format(0.0005, places: 3) == "0.001" && ReportTable.format(-1.25, places: 1) == "-1.3")
        #expect(ReportTable.format(23221.4, places: 0) == "23221" && ReportTable.format(7, places: 2) == "7.00")
        #expect(ReportTable.format(0.05, places: 2) == "0.05" && ReportTable.format(12.345678, places: 3) == "12.346")
    }

    static func curveFacts(meterStart: Int64) -> TransactionFacts {
        TransactionFacts(
            id: 1,
            chargerID: "CP",
            connectorID: 1,
            idTag: nil,
            startMs: 0,
            meterStart: meterStart,
            stopMs: 300_000,
            meterStop: nil,
            stopReason: nil,
            storedStale: false,
            receivedMs: 0
        )
    }

    static func registers(_ values: [Double]) -> [MeterSample] {
        values.enumerated().map { i, value in
            MeterSample(atMs: Int64(i + 1) * 60_000, measurand: "Energy.Active.Import.Register", phase: "", location: "Outlet", value: value)
        }
    }

    /// energy_wh is relative to meterStart; register_wh is the reading as stored, not padded, both in CSV and JSON.
    @Test func theCurveCarriesTheRegisterBesideTheSessionEnergy() throws {
        let sent = [150_011_320, 150_011_440, 150_011_560.5]
        var samples = Self.registers(sent)
        samples.insert(MeterSample(atMs: 90_000, measurand: "SoC", phase: "", location: "EV", value: 40), at: 1)
        let points = CurveBuilder.points(Self.curveFacts(meterStart: 150_011_200), samples: samples)
        #expect(points.map(\.registerWh) == [150_011_320, nil, 150_011_440, 150_011_560.5])
        #expect(points.map(\.energyWh) == [120, nil, 240, 360.5])
        let table = ReportTable(curve: points)
        let csv = table.csv.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.split(separator: ",", omittingEmptySubsequences: false)
        }
        let energy = try #require(csv[0].firstIndex(of: "energy_wh"))
        #expect(csv[0][energy + 1] == "register_wh")
        #expect(csv[1..<5].map { String($0[energy + 1]) } == ["150011320", "", "150011440", "150011560.5"])
        #expect(csv[1..<5].map { String($0[energy]) } == ["120", "", "240", "361"])
        let json = try JSONParser.parse(table.json).arrayValue ?? []
        #expect(json.map { $0["register_wh"]?.numberValue?.decimal } == [150_011_320, nil, 150_011_440, Decimal(string: "150011560.5")])
        #expect(json[1]["register_wh"] == .null)
    }

    @Test func aUnitErrorCorrectsTheEnergyButLeavesTheRegisterAsSent() {
        // kWh values labelled Wh: stored 1000x too small.
        let points = CurveBuilder.points(Self.curveFacts(meterStart: 150_011_200), samples: Self.registers([150_011.32, 150_011.44]))
        #expect(points.map(\.registerWh) == [150_011.32, 150_011.44])
        #expect(points.map { ($0.energyWh ?? -1).rounded() } == [120, 240])
        #expect(ReportTable(curve: points).rows.map { $0[9].csv } == ["150011.32", "150011.44"])
    }

    @Test func sessionsCarryTheFirstAndLastRegisterReading() throws {
        var session = SessionReport(
            transactionID: 1,
            chargerID: "CP",
            startMs: 0,
            durationSeconds: 60,
            meterStartWh: 150_011_200,
            meterStopWh: 150_011_800,
            registerFirstWh: 150_011_320,
            registerLastWh: 150_011_680.25,
            energySource: "meter",
            flags: [.meterMismatch],
            registerFactor: 1
        )
        let json = try JSONParser.parse(ReportTable(sessions: [session]).json).arrayValue?.first
        #expect(json?["register_first_wh"] == 150_011_320)
        #expect(json?["register_last_wh"]?.numberValue?.decimal == Decimal(string: "150011680.25"))
        #expect(json?["flags"] == ["meter-mismatch"])
        session.registerFirstWh = nil
        session.registerLastWh = nil
        let csv = ReportTable(sessions: [session]).csv.split(separator: "\n")
        #expect(csv[0].contains("meter_start_wh,meter_stop_wh,register_first_wh,register_last_wh,energy_kwh"))
        #expect(csv[1].contains(",150011200,150011800,,,"))
        #expect(ReportTable.summaryColumns.last == "flag_meter_mismatch")
    }

    @Test func monthsAndTimes() {
        let november = ReportWindow.month("2026-11")
        #expect(november?.sinceMs == Timestamp(parsing: "2026-11-01T00:00:00Z")?.milliseconds)
        #expect(november?.untilMs == Timestamp(parsing: "2026-12-01T00:00:00Z")?.milliseconds)
        #expect(ReportWindow.month("2026-12")?.untilMs == Timestamp(parsing: "2027-01-01T00:00:00Z")?.milliseconds)
        #expect(ReportWindow.month("2026-13") == nil && ReportWindow.month("26-11") == nil)
        #expect(ReportWindow.parseTime("2026-11-05") == Timestamp(parsing: "2026-11-05T00:00:00Z")?.milliseconds)
        #expect(ReportWindow.parseTime("yesterday") == nil)
    }

    @Test func theChartIsSelfContainedWithNamedPaths() {
        var points: [CurvePoint] = []
        for i in 0..<10 {
            let power: Double = i < 6 ? 45_000 : 45_000 - Double(i - 5) * 8_000
            points.append(CurvePoint(atMs: Int64(i) * 60_000, powerW: power, powerSource: "measured", soc: 50 + Double(i) * 3, limitW: 50_000))
        }
        let session = SessionReport(
            transactionID: 7,
            chargerID: "CP<1>",
            connectorID: 2,
            idTag: nil,
            startMs: 0,
            stopMs: 540_000,
            durationSeconds: 540,
            meterStartWh: 0,
            meterStopWh: 5_000,
            energyWh: 5_000,
            energySource: "meter",
            maxPowerW: 45_000,
            socStart: 50,
            socEnd: 77,
            stopReason: "Local",
            flags: [],
            registerFactor: 1,
            clockOffsetSeconds: 0
        )
        let svg = CurveChart().svg(session: session, points: points)
        #expect(svg.hasPrefix("<?xml") && svg.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        for id in ["power", "soc", "limit"] { #expect(svg.contains("<path id=\"\(id)\"")) }
        #expect(!svg.contains("<script") && !svg.contains("@font-face") && !svg.contains("href"))
        #expect(svg.contains("CP&lt;1&gt;"))
    }
}
