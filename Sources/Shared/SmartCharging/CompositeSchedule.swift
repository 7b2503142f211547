import Foundation

/// The effective charging limit of one connector over a window, combined from its charging profiles as OCPP 1.6
/// S§3.13 says (essentials §6, "Composite schedule"):
///
/// 1. A profile is active at `t` when `validFrom ≤ t < validTo` and `timeZero ≤ t < timeZero + duration`, where time
///    zero is `startSchedule` (Absolute), the latest `startSchedule + k·86400 s` / `k·604800 s` ≤ t with k ≥ 0
///    (Recurring Daily/Weekly, computed in UTC seconds; nothing before `startSchedule`), or the transaction start
///    (Relative).
/// 2. Within the active profile, the last period with `startPeriod ≤ t − timeZero` applies.
/// 3. Per purpose, the active profile with the highest `stackLevel` rules `t`; when it ends, lower levels show through.
/// 4. The transaction's limit is its `TxProfile` if one is active, else its `TxDefaultProfile`.
/// 5. The result is the minimum of that and the `ChargePointMaxProfile`, in one unit; nothing active = unlimited.
///
/// Time is kept in whole milliseconds since 1970; `startPeriod`s are written in whole seconds after `start`.
public struct CompositeSchedule: Sendable, Hashable {
    /// How limits convert and how "no limit" is written.
    public struct Options: Sendable, Hashable {
        /// Nominal (not measured) line voltage for A ↔ W: W = A × V × phases.
        public var nominalVoltage: Decimal
        /// Phases when a period names none (S§7.14: absent = 3).
        public var defaultPhases: Int
        /// Written into `chargingSchedule` for stretches where no profile limits: the hardware maximum per phase, in
        /// amperes (EVerest's `CompositeScheduleDefaultLimitAmps` is 48), converted to W when W is requested.
        /// `segments` and `limit(at:)` keep such stretches as unlimited (nil).
        public var unlimitedAmps: Decimal

        public init(nominalVoltage: Decimal = 230, defaultPhases: Int = 3, unlimitedAmps: Decimal = 48) {
            self.nominalVoltage = nominalVoltage
            self.defaultPhases = defaultPhases
            self.unlimitedAmps = unlimitedAmps
        }
    }

    /// A stretch of constant limit, from `startPeriod` seconds after `start` until the next segment or the end.
    public struct Segment: Sendable, Hashable {
        /// Seconds after `start`.
        public var startPeriod: Int
        /// In `chargingRateUnit`; nil = no profile limits this stretch.
        public var limit: Decimal?
        /// The phases of the period that set the limit (nil: it named none, so 3).
        public var numberPhases: Int?

        public init(startPeriod: Int, limit: Decimal?, numberPhases: Int? = nil) {
            self.startPeriod = startPeriod
            self.limit = limit
            self.numberPhases = numberPhases
        }
    }

    public let start: Timestamp
    /// Seconds.
    public let duration: Int
    public let chargingRateUnit: ChargingRateUnitType
    /// Adjacent segments always differ; the first starts at 0 (when `duration` > 0).
    public let segments: [Segment]
    public let options: Options
    /// Segment starts in milliseconds since 1970, parallel to `segments` (sub-second precision for `limit(at:)`).
    private let segmentStarts: [Int64]

    /// The composite for `connectorId` from a store's installed profiles (see `applicableProfiles(connectorId:)`).
    /// `transactionStart` anchors Relative profiles; nil anchors them at `start`, as if a transaction began then.
    /// `chargingRateUnit` nil: the unit of the TxProfile, else TxDefaultProfile, else ChargePointMaxProfile, else A.
    public init(
        store: ChargingProfileStore,
        connectorId: Int,
        start: Timestamp,
        duration: Int,
        chargingRateUnit: ChargingRateUnitType? = nil,
        transactionStart: Timestamp? = nil,
        options: Options = Options()
    ) {
        self.init(
            profiles: store.applicableProfiles(connectorId: connectorId),
            start: start,
            duration: duration,
            chargingRateUnit: chargingRateUnit,
            transactionStart: transactionStart,
            options: options
        )
    }

    /// The composite of `profiles`, all taken to govern one connector (their purposes decide how they combine).
    public init(
        profiles: [ChargingProfile],
        start: Timestamp,
        duration: Int,
        chargingRateUnit: ChargingRateUnitType? = nil,
        transactionStart: Timestamp? = nil,
        options: Options = Options()
    ) {
        let windowStart = start.milliseconds
        let windowEnd = windowStart + Int64(max(duration, 0)) * 1000
        let unit = chargingRateUnit ?? Self.preferredUnit(profiles)
        let timing = profiles.map { ProfileTiming($0, windowStart: windowStart, transactionStart: transactionStart?.milliseconds) }

        var points: Set<Int64> = windowStart < windowEnd ? [windowStart] : []
        for profile in timing {
            for point in profile.boundaries(from: windowStart, to: windowEnd) where point > windowStart && point < windowEnd {
                points.insert(point)
            }
        }

        var segments: [Segment] = []
        var starts: [Int64] = []
        for point in points.sorted() {
            let value = Self.evaluate(timing, at: point, unit: unit, options: options)
            let segment = Segment(startPeriod: Int((point - windowStart) / 1000), limit: value?.limit, numberPhases: value?.phases)
            if let last = segments.last, last.startPeriod == segment.startPeriod {
                // A sub-second stretch: the later value holds from this whole second on.
                segments.removeLast()
                starts.removeLast()
            }
            if let last = segments.last, last.limit == segment.limit, last.numberPhases == segment.numberPhases { continue }
            segments.append(segment)
            starts.append(point)
        }

        self.start = start
        self.duration = max(duration, 0)
        self.chargingRateUnit = unit
        self.segments = segments
        self.segmentStarts = starts
        self.options = options
    }

    // MARK: - Output

    /// The composite as OCPP writes it (GetCompositeSchedule.conf `chargingSchedule`): `startSchedule` = `start`,
    /// periods relative to it, unlimited stretches written as `options.unlimitedAmps` in the schedule's unit.
    public var chargingSchedule: ChargingSchedule {
        let unlimited = Self.convert(
            options.unlimitedAmps,
            from: .a,
            to: chargingRateUnit,
            phases: options.defaultPhases,
            nominalVoltage: options.nominalVoltage
        )
        var periods: [ChargingSchedulePeriod] = []
        for segment in segments {
            let period = ChargingSchedulePeriod(
                startPeriod: segment.startPeriod,
                limit: segment.limit ?? unlimited,
                numberPhases: segment.limit == nil ? nil : segment.numberPhases
            )
            if let last = periods.last, last.limit == period.limit, last.numberPhases == period.numberPhases { continue }
            periods.append(period)
        }
        return ChargingSchedule(duration: duration, startSchedule: start, chargingRateUnit: chargingRateUnit, chargingSchedulePeriod: periods)
    }

    /// The answer a charger sends to GetCompositeSchedule for `connectorId`.
    public func response(connectorId: Int) -> GetCompositeScheduleResponse {
        GetCompositeScheduleResponse(status: .accepted, connectorId: connectorId, scheduleStart: start, chargingSchedule: chargingSchedule)
    }

    /// The limit at `instant`, in `unit` (default: the schedule's), with the phases it assumes; nil when nothing limits
    /// it or the instant lies outside the window. The simulator caps its drawn current with this.
    public func limit(at instant: Timestamp, in unit: ChargingRateUnitType? = nil) -> (value: Decimal, unit: ChargingRateUnitType, phases: Int)? {
        let t = instant.milliseconds
        let windowStart = start.milliseconds
        guard t >= windowStart, t < windowStart + Int64(duration) * 1000 else { return nil }
        var index: Int?
        for (i, segmentStart) in segmentStarts.enumerated() where segmentStart <= t { index = i }
        guard let index, let value = segments[index].limit else { return nil }
        let phases = segments[index].numberPhases ?? options.defaultPhases
        let target = unit ?? chargingRateUnit
        let converted = Self.convert(value, from: chargingRateUnit, to: target, phases: phases, nominalVoltage: options.nominalVoltage)
        return (converted, target, phases)
    }

    // MARK: - Units

    /// Converts a limit between A (per phase) and W (total): W = A × V × phases, with the nominal voltage (essentials
    /// §6). Converted values are rounded down to 0.1 (the schema's `multipleOf`; down, so a cap is never exceeded).
    public static func convert(
        _ value: Decimal,
        from: ChargingRateUnitType,
        to: ChargingRateUnitType,
        phases: Int,
        nominalVoltage: Decimal = 230
    ) -> Decimal {
        if from == to { return value }
        let factor = nominalVoltage * Decimal(phases)
        switch (from, to) {
        case (.a, .w): return roundedDown(value * factor)
        case (.w, .a): return factor > 0 ? roundedDown(value / factor) : value
        default: return value
        }
    }

    static func roundedDown(_ value: Decimal) -> Decimal {
        var input = value
        var output = Decimal()
        NSDecimalRound(&output, &input, 1, .down)
        return output
    }

    // MARK: - Evaluation

    private static func preferredUnit(_ profiles: [ChargingProfile]) -> ChargingRateUnitType {
        for purpose in [ChargingProfilePurposeType.txProfile, .txDefaultProfile, .chargePointMaxProfile] {
            if let profile = profiles.first(where: { $0.chargingProfilePurpose == purpose }) {
                return profile.chargingSchedule.chargingRateUnit
            }
        }
        return .a
    }

    /// The composite limit at `t` in `unit`, or nil when no profile limits it.
    private static func evaluate(
        _ profiles: [ProfileTiming],
        at t: Int64,
        unit: ChargingRateUnitType,
        options: Options
    ) -> (limit: Decimal, phases: Int?)? {
        /// The period of the highest-stack-level active profile of `purpose`.
        func layer(_ purpose: ChargingProfilePurposeType) -> (period: ChargingSchedulePeriod, unit: ChargingRateUnitType)? {
            var best: (level: Int, period: ChargingSchedulePeriod, unit: ChargingRateUnitType)?
            for timing in profiles where timing.profile.chargingProfilePurpose == purpose {
                guard let period = timing.period(at: t) else { continue }
                if best == nil || timing.profile.stackLevel > (best?.level ?? Int.min) {
                    best = (timing.profile.stackLevel, period, timing.profile.chargingSchedule.chargingRateUnit)
                }
            }
            return best.map { ($0.period, $0.unit) }
        }

        let candidates = [layer(.chargePointMaxProfile), layer(.txProfile) ?? layer(.txDefaultProfile)]
        var result: (limit: Decimal, phases: Int?)?
        for case let (period, periodUnit)? in candidates {
            let phases = period.numberPhases ?? options.defaultPhases
            let value = convert(period.limit, from: periodUnit, to: unit, phases: phases, nominalVoltage: options.nominalVoltage)
            if let current = result, current.limit <= value { continue }
            result = (value, period.numberPhases)
        }
        return result
    }
}

/// One profile's timing rules, in milliseconds since 1970.
private struct ProfileTiming {
    let profile: ChargingProfile
    let validFrom: Int64
    let validTo: Int64
    /// The Absolute/Relative time zero; for Recurring, the anchor `startSchedule`.
    let anchor: Int64
    /// The recurrence period, for Recurring profiles.
    let recurrence: Int64?
    /// How long each run of the schedule lasts; nil = forever.
    let length: Int64?
    /// Period starts after time zero, ascending, with their periods.
    let periods: [(offset: Int64, period: ChargingSchedulePeriod)]

    init(_ profile: ChargingProfile, windowStart: Int64, transactionStart: Int64?) {
        self.profile = profile
        let schedule = profile.chargingSchedule
        validFrom = profile.validFrom?.milliseconds ?? Int64.min
        validTo = profile.validTo?.milliseconds ?? Int64.max
        switch profile.chargingProfileKind {
        case .relative:
            anchor = transactionStart ?? windowStart
            recurrence = nil
        case .recurring:
            anchor = schedule.startSchedule?.milliseconds ?? windowStart
            recurrence = profile.recurrencyKind == .weekly ? 604_800_000 : 86_400_000
        default:
            // Absolute; without startSchedule (which the store rejects), it starts with the window.
            anchor = schedule.startSchedule?.milliseconds ?? windowStart
            recurrence = nil
        }
        let duration = schedule.duration.map { Int64($0) * 1000 }
        if let recurrence {
            // A recurring schedule is cut where the next recurrence begins.
            length = min(duration ?? recurrence, recurrence)
        } else {
            length = duration
        }
        periods = schedule.chargingSchedulePeriod.sorted { $0.startPeriod < $1.startPeriod }.map { (Int64($0.startPeriod) * 1000, $0) }
    }

    /// The time zero of the run covering `t`. A recurring schedule first runs at its `startSchedule` and then
    /// restarts each cycle; it has no runs before it (so `t` before the anchor gets the anchor, a negative offset).
    func timeZero(at t: Int64) -> Int64 {
        guard let recurrence, t > anchor else { return anchor }
        return anchor + Self.floorDivide(t - anchor, recurrence) * recurrence
    }

    /// The period in force at `t`, or nil when the profile is not active then.
    func period(at t: Int64) -> ChargingSchedulePeriod? {
        guard t >= validFrom, t < validTo else { return nil }
        let zero = timeZero(at: t)
        let offset = t - zero
        guard offset >= 0 else { return nil }
        if let length, offset >= length { return nil }
        return periods.last { $0.offset <= offset }?.period
    }

    /// Every instant in [from, to] where this profile's contribution may change.
    func boundaries(from: Int64, to: Int64) -> [Int64] {
        var points: [Int64] = []
        if validFrom != Int64.min { points.append(validFrom) }
        if validTo != Int64.max { points.append(validTo) }
        var zero = timeZero(at: from)
        while zero <= to {
            points.append(zero)
            for (offset, _) in periods { points.append(zero + offset) }
            if let length { points.append(zero + length) }
            guard let recurrence else { break }
            zero += recurrence
        }
        return points
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
