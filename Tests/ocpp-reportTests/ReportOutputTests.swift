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
