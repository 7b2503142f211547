import Foundation
import Testing

@testable import Shared

@Suite struct LimitRequestTests {
    static func ms(_ text: String) -> Int64 { Timestamp(parsing: text)!.milliseconds }
    static let now = ms("2026-06-10T09:30:00Z")

    static func rule(_ request: LimitRequest, agent: String = "operator") throws(LimitInputError) -> LimitRule {
        try request.rule(agent: agent, nowMs: now)
    }

    static func error(_ request: LimitRequest) -> String? {
        do {
            _ = try rule(request)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func plainPolicyLimit() throws {
        let rule = try Self.rule(LimitRequest(target: "CP01", max: 16, unit: "A"))
        #expect(rule.agent == "operator")
        #expect(rule.target == .charger("CP01"))
        #expect(rule.value == 16)
        #expect(rule.unit == .a)
        #expect(!rule.hard)
        #expect(rule.fromMs == nil)
        #expect(rule.untilMs == nil)
        #expect(rule.recurrence == nil)
        #expect(rule.createdMs == Self.now)
        #expect(rule.id == 0)
    }

    @Test func hardDailyLimitOnConnector() throws {
        let rule = try Self.rule(LimitRequest(target: "CP01", connector: 2, max: 32, unit: "a", hard: true, daily: "18:00-20:00", tz: "Europe/Berlin"))
        #expect(rule.target == .connector("CP01", 2))
        #expect(rule.hard)
        #expect(rule.recurrence == LimitRecurrence(kind: .daily, startMinute: 1080, endMinute: 1200, timeZone: "Europe/Berlin"))
        let weekly = try Self.rule(LimitRequest(target: "group:site", max: 100, unit: "A", weekly: "mon-fri@07:00-09:00"))
        #expect(weekly.target == .group("site"))
        #expect(weekly.recurrence?.days == [1, 2, 3, 4, 5])
        #expect(weekly.recurrence?.timeZone == "UTC")
    }

    @Test func kilowattsBecomeWatts() throws {
        let rule = try Self.rule(LimitRequest(target: "CP01", max: Decimal(string: "7.36")!, unit: "kW"))
        #expect(rule.value == 7360)
        #expect(rule.unit == .w)
        #expect(try Self.rule(LimitRequest(target: "CP01", max: 11000, unit: "W")).unit == .w)
        #expect(Self.error(LimitRequest(target: "CP01", max: 16, unit: "mA")) != nil)
    }

    @Test func forSetsTheEnd() throws {
        let rule = try Self.rule(LimitRequest(target: "CP01", max: 16, unit: "A", forSeconds: 7200))
        #expect(rule.untilMs == Self.now + 7_200_000)
        #expect(rule.fromMs == nil)
        let from = Self.ms("2026-06-11T08:00:00Z")
        let later = try Self.rule(LimitRequest(target: "CP01", max: 16, unit: "A", forSeconds: 3600, from: "2026-06-11T08:00:00Z"))
        #expect(later.fromMs == from)
        #expect(later.untilMs == from + 3_600_000)
        let until = try Self.rule(LimitRequest(target: "CP01", max: 16, unit: "A", until: "2026-06-10T12:00:00Z"))
        #expect(until.untilMs == Self.ms("2026-06-10T12:00:00Z"))
    }

    @Test func forAndUntilTogetherIsAnError() throws {
        let message = try #require(Self.error(LimitRequest(target: "CP01", max: 16, unit: "A", forSeconds: 60, until: "2026-06-10T12:00:00Z")))
        #expect(message.contains("not both"))
        #expect(Self.error(LimitRequest(target: "CP01", max: 16, unit: "A", forSeconds: 0)) != nil)
        #expect(Self.error(LimitRequest(target: "CP01", max: 16, unit: "A", forSeconds: -5)) != nil)
    }

    @Test func untilInThePastIsAnError() throws {
        let message = try #require(Self.error(LimitRequest(target: "CP01", max: 16, unit: "A", until: "2026-06-10T09:00:00Z")))
        #expect(message.contains("in the past"))
        #expect(Self.error(LimitRequest(target: "CP01", max: 16, unit: "A", until: "2026-06-10T09:30:00Z")) != nil)
        // With a start, too: a limit that is over before it is set.
        #expect(Self.error(LimitRequest(target: "CP01", max: 16, unit: "A", from: "2026-06-01T00:00:00Z", until: "2026-06-02T00:00:00Z")) != nil)
        #expect(Self.error(LimitRequest(target: "CP01", max: 16, unit: "A", forSeconds: 3600, from: "2026-06-01T00:00:00Z")) != nil)
        // A start in the past with an end to come is fine.
        #expect(Self.error(LimitRequest(target: "CP01", max: 16, unit: "A", from: "2026-06-01T00:00:00Z", until: "2026-06-11T00:00:00Z")) == nil)
    }

    @Test func endBeforeStartIsAnError() throws {
        let message = try #require(Self.error(LimitRequest(target: "CP01", max: 16, unit: "A", from: "2026-06-12T00:00:00Z", until: "2026-06-11T00:00:00Z")))
        #expect(message.contains("before it starts"))
    }

    @Test func badTimesAreErrors() {
        #expect(Self.error(LimitRequest(target: "CP01", max: 16, unit: "A", until: "tomorrow")) != nil)
        #expect(Self.error(LimitRequest(target: "CP01", max: 16, unit: "A", from: "2026-13-01T00:00:00Z")) != nil)
    }

    @Test func windowErrors() throws {
        let both = try #require(Self.error(LimitRequest(target: "CP01", max: 16, unit: "A", daily: "18:00-20:00", weekly: "mon@18:00-20:00")))
        #expect(both.contains("not both"))
        let tz = try #require(Self.error(LimitRequest(target: "CP01", max: 16, unit: "A", tz: "Europe/Berlin")))
        #expect(tz.contains("--tz"))
        #expect(Self.error(LimitRequest(target: "CP01", max: 16, unit: "A", daily: "20:00-18:00")) != nil)
        #expect(Self.error(LimitRequest(target: "CP01", max: 16, unit: "A", daily: "18:00-20:00", tz: "Nowhere/Special")) != nil)
    }

    @Test func valueErrors() {
        #expect(Self.error(LimitRequest(target: "CP01", max: -1, unit: "A")) != nil)
        #expect(Self.error(LimitRequest(target: "CP01", max: Decimal(string: "16.05")!, unit: "A")) != nil)
        #expect(Self.error(LimitRequest(target: "CP01", max: Decimal(string: "16.1")!, unit: "A")) == nil)
        #expect(Self.error(LimitRequest(target: "CP01", max: 0, unit: "A")) == nil)
    }

    @Test func targetErrors() {
        #expect(Self.error(LimitRequest(target: "", max: 16, unit: "A")) != nil)
        #expect(Self.error(LimitRequest(target: "group:", max: 16, unit: "A")) != nil)
        #expect(Self.error(LimitRequest(target: "group:site", connector: 1, max: 16, unit: "A")) != nil)
        #expect(Self.error(LimitRequest(target: "CP01", connector: -1, max: 16, unit: "A")) != nil)
    }

    /// A duration so long its end cannot be written is refused, not a crash.
    @Test func hugeForIsAnError() {
        #expect(Self.error(LimitRequest(target: "CP01", max: 16, unit: "A", forSeconds: Int.max)) != nil)
        #expect(Self.error(LimitRequest(target: "CP01", max: 16, unit: "A", forSeconds: Int.max / 1000)) != nil)
    }

    // MARK: - Durations

    @Test func seconds() {
        #expect(LimitRequest.seconds("2h") == 7200)
        #expect(LimitRequest.seconds("90") == 90)
        #expect(LimitRequest.seconds("90s") == 90)
        #expect(LimitRequest.seconds("30m") == 1800)
        #expect(LimitRequest.seconds("1d") == 86_400)
        #expect(LimitRequest.seconds("1.5h") == 5400)
        #expect(LimitRequest.seconds("") == nil)
        #expect(LimitRequest.seconds("h") == nil)
        #expect(LimitRequest.seconds("0") == nil)
        #expect(LimitRequest.seconds("-5m") == nil)
        #expect(LimitRequest.seconds("2w") == nil)
        #expect(LimitRequest.seconds("two hours") == nil)
    }

    /// What a mistyped command line may hold: nil, never a trap converting to Int.
    @Test func secondsRejectsWhatNoIntHolds() {
        #expect(LimitRequest.seconds("infs") == nil)
        #expect(LimitRequest.seconds("1e400") == nil)
        #expect(LimitRequest.seconds("1e30h") == nil)
        #expect(LimitRequest.seconds("nanm") == nil)
        #expect(LimitRequest.seconds("0.4s") == nil)
    }

    @Test func codableRoundTrip() throws {
        let request = LimitRequest(target: "CP01", connector: 1, agent: "site", max: 32, unit: "kW", hard: true, forSeconds: 60, daily: "18:00-20:00", tz: "UTC")
        let data = try JSONEncoder().encode(request)
        #expect(try JSONDecoder().decode(LimitRequest.self, from: data) == request)
    }
}
