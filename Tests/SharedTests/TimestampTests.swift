import Foundation
import Testing

@testable import Shared

@Suite struct TimestampTests {
    private func unix(_ text: String) -> Double? {
        Timestamp(parsing: text)?.date.timeIntervalSince1970
    }

    @Test(arguments: [
        ("1970-01-01T00:00:00Z", 0.0),
        ("1969-12-31T23:59:59Z", -1),
        ("2000-03-01T00:00:00Z", 951_868_800),
        ("2026-01-02T03:04:05Z", 1_767_323_045),
        ("2024-02-29T23:59:59Z", 1_709_251_199),
        ("9999-12-31T23:59:59Z", 253_402_300_799),
        ("0001-01-01T00:00:00Z", -62_135_596_800),
        ("2026-01-02t03:04:05z", 1_767_323_045),
    ])
    func parsesUTC(text: String, seconds: Double) {
        #expect(unix(text) == seconds)
    }

    @Test(arguments: [
        ("2026-01-02T05:04:05+02:00", 1_767_323_045.0),
        ("2026-01-01T21:34:05-05:30", 1_767_323_045),
        ("2026-01-02T03:04:05+00:00", 1_767_323_045),
        ("2026-01-02T03:04:05-00:00", 1_767_323_045),
        ("2026-01-03T03:03:05+23:59", 1_767_323_045),
        ("2026-01-01T00:30:00-01:00", 1_767_231_000),
    ])
    func parsesOffsets(text: String, seconds: Double) {
        #expect(unix(text) == seconds)
    }

    @Test func parsesFractionsOfAnyLength() throws {
        let base = 1_767_323_045.0
        #expect(unix("2026-01-02T03:04:05.5Z") == base + 0.5)
        #expect(abs(try #require(unix("2026-01-02T03:04:05.123Z")) - base - 0.123) < 1e-6)
        #expect(abs(try #require(unix("2026-01-02T03:04:05.000001Z")) - base - 0.000_001) < 1e-6)
        #expect(abs(try #require(unix("2026-01-02T03:04:05.123456789123456789Z")) - base - 0.123_456_789) < 1e-6)
        #expect(unix("2026-01-02T05:04:05.250+02:00") == base + 0.25)
        #expect(Timestamp(parsing: "2026-01-02T03:04:05.123Z")?.description == "2026-01-02T03:04:05.123Z")
        #expect(Timestamp(parsing: "2026-01-02T03:04:05.1Z")?.description == "2026-01-02T03:04:05.100Z")
        #expect(Timestamp(parsing: "2026-01-02T03:04:05.000Z")?.description == "2026-01-02T03:04:05Z")
        #expect(Timestamp(parsing: "2026-01-02T03:04:05.9999Z")?.description == "2026-01-02T03:04:06Z")
        #expect(Timestamp(parsing: "2026-01-02T03:04:05.123456Z")?.description == "2026-01-02T03:04:05.123Z")
    }

    @Test(arguments: ["2024-02-29T00:00:00Z", "2000-02-29T00:00:00Z", "2400-02-29T12:00:00Z", "2026-12-31T23:59:59Z", "2026-04-30T00:00:00Z"])
    func acceptsValidCalendarDates(text: String) {
        #expect(Timestamp(parsing: text)?.description == text)
    }

    @Test(arguments: [
        "2026-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2100-02-29T00:00:00Z",
        "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-01-00T00:00:00Z",
        "2026-01-32T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T23:60:00Z", "2026-01-01T23:58:60Z",
        "2026-01-01T23:59:61Z", "2026-01-01T00:00:00+24:00", "2026-01-01T00:00:00+01:60",
    ])
    func rejectsImpossibleDates(text: String) {
        #expect(Timestamp(parsing: text) == nil)
        #expect(Timestamp.parseLenient(text) == nil)
    }

    @Test(arguments: [
        "", "2026", "2026-01-01", "2026-01-01T00:00:00", "2026-01-01 00:00:00Z", "2026-01-01T00:00:00+0100",
        "2026-01-01T00:00:00+01", "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00,5Z", "2026-1-01T00:00:00Z",
        "2026-01-01T0:00:00Z", "2026-01-01T00:00:00ZZ", "2026-01-01T00:00:00Z ", " 2026-01-01T00:00:00Z",
        "2026-01-01T00:00Z", "2026/01/01T00:00:00Z", "2026-01-01T00:00:00+01:00:00", "2026-01-01T00:00:00UTC",
        "+2026-01-01T00:00:00Z", "２０２６-01-01T00:00:00Z",
    ])
    func strictRejectsMalformedText(text: String) {
        #expect(Timestamp(parsing: text) == nil)
    }

    @Test func leapSecondReadsAsNextMinute() {
        #expect(unix("2016-12-31T23:59:60Z") == unix("2017-01-01T00:00:00Z"))
    }

    @Test func lenientAcceptsWhatChargersSend() throws {
        let reference = try #require(Timestamp(parsing: "2023-10-19T15:28:07Z"))
        let noZone = try #require(Timestamp.parseLenient("2023-10-19T15:28:07"))
        #expect(noZone.0 == reference && noZone.assumedUTC)
        let space = try #require(Timestamp.parseLenient("2023-10-19 15:28:07Z"))
        #expect(space.0 == reference && !space.assumedUTC)
        let spaceNoZone = try #require(Timestamp.parseLenient("2023-10-19 15:28:07.5"))
        #expect(spaceNoZone.0.date.timeIntervalSince1970 == reference.date.timeIntervalSince1970 + 0.5 && spaceNoZone.assumedUTC)
        #expect(Timestamp.parseLenient("2023-10-19T17:28:07+0200")?.0 == reference)
        #expect(Timestamp.parseLenient("2023-10-19T17:28:07+02")?.0 == reference)
        #expect(Timestamp.parseLenient("2023-10-19T15:28:07,5Z")?.0.description == "2023-10-19T15:28:07.500Z")
        let strictText = try #require(Timestamp.parseLenient("2023-10-19T17:28:07+02:00"))
        #expect(strictText.0 == reference && !strictText.assumedUTC)
        #expect(Timestamp.parseLenient("2023-10-19T15:28") == nil)
        #expect(Timestamp.parseLenient("yesterday") == nil)
    }

    @Test func formatsUTCWithMillisecondsOnlyWhenNeeded() {
        #expect(Timestamp(Date(timeIntervalSince1970: 0)).description == "1970-01-01T00:00:00Z")
        #expect(Timestamp(Date(timeIntervalSince1970: 1.5)).description == "1970-01-01T00:00:01.500Z")
        #expect(Timestamp(Date(timeIntervalSince1970: -0.5)).description == "1969-12-31T23:59:59.500Z")
        #expect(Timestamp(Date(timeIntervalSince1970: 1_767_323_045.000_4)).description == "2026-01-02T03:04:05Z")
        #expect(Timestamp(Date(timeIntervalSince1970: 1_767_323_045.999_6)).description == "2026-01-02T03:04:06Z")
        #expect(Timestamp(Date(timeIntervalSince1970: 1_767_323_045.007)).text == "2026-01-02T03:04:05.007Z")
        #expect(Timestamp(Date.distantFuture).description == "4001-01-01T00:00:00Z")
        // Outside four-digit years the text is clamped rather than malformed.
        #expect(Timestamp(Date(timeIntervalSinceReferenceDate: 1e12)).description == "9999-12-31T23:59:59Z")
        #expect(Timestamp(Date(timeIntervalSinceReferenceDate: -1e12)).description == "0000-01-01T00:00:00Z")
        #expect(Timestamp(Date(timeIntervalSinceReferenceDate: .nan)).description.count == 20)
    }

    /// The civil-date arithmetic agrees with Foundation's calendar over four centuries, including every leap day.
    @Test func agreesWithFoundationAcrossCenturies() throws {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        var seconds: Int64 = -2_208_988_800  // 1900-01-01
        let end: Int64 = 10_413_792_000  // 2300-01-01
        while seconds < end {
            let date = Date(timeIntervalSince1970: Double(seconds))
            let text = Timestamp(date).description
            #expect(text == formatter.string(from: date))
            #expect(Timestamp(parsing: text)?.date == date)
            seconds += 86_400 * 29 + 3_607  // walks through every month, day and hour of day over time
        }
        for year in [1904, 2000, 2024, 2096, 2104, 2296] {
            let text = "\(year)-02-29T12:00:00Z"
            #expect(Timestamp(parsing: text).map { formatter.string(from: $0.date) } == text)
        }
    }

    @Test func roundTripsThroughItsText() throws {
        for millis in stride(from: Int64(-5_000), through: 5_000, by: 7) {
            let date = Date(timeIntervalSince1970: 1_767_323_045 + Double(millis) / 1000)
            let timestamp = Timestamp(date)
            let back = try #require(Timestamp(parsing: timestamp.description))
            #expect(back.description == timestamp.description)
            #expect(abs(back.date.timeIntervalSince(date)) < 0.000_5)
        }
        let now = Timestamp.now
        #expect(Timestamp(parsing: now.description) == now)
    }

    @Test func comparesByInstant() throws {
        let a = try #require(Timestamp(parsing: "2026-01-02T03:04:05Z"))
        let b = try #require(Timestamp(parsing: "2026-01-02T04:04:04+01:00"))
        #expect(b < a)
        #expect(Timestamp(parsing: "2026-01-02T05:04:05+02:00") == a)
        #expect([a, b].max() == a)
    }

    @Test func codableIsASingleString() throws {
        let timestamp = try #require(Timestamp(parsing: "2026-01-02T05:04:05.25+02:00"))
        let data = try JSONEncoder().encode([timestamp])
        #expect(String(decoding: data, as: UTF8.self) == #"["2026-01-02T03:04:05.250Z"]"#)
        #expect(try JSONDecoder().decode([Timestamp].self, from: data) == [timestamp])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([Timestamp].self, from: Data(#"["2026-02-30T00:00:00Z"]"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([Timestamp].self, from: Data(#"[1767323045]"#.utf8))
        }
    }
}
