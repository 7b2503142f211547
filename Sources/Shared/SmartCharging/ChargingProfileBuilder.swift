import Foundation

/// Builds a `ChargingProfile` from the few inputs a command line gives (`ocpp-ctl profile set`): one limit, one
/// period, and either a daily/weekly window or an absolute validity range.
///
/// - Recurring: `startSchedule` is today's date (of `now`, UTC) at `startTime` "HH:MM" UTC; the schedule lasts
///   `duration` seconds from there, each day (or week), and this profile sets no limit outside that window. A cap from
///   18:00 to 20:00 daily is `recurrence: .daily, startTime: "18:00", duration: 7200`.
/// - Otherwise Absolute: `startSchedule` is `validFrom` (else `now`, whole seconds); `duration` optional.
public struct ChargingProfileBuilder: Sendable, Hashable {
    /// A bad input; `description` is one line naming the fix.
    public struct InputError: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String

        public init(_ description: String) {
            self.description = description
        }
    }

    public var id: Int
    public var stackLevel: Int
    public var purpose: ChargingProfilePurposeType
    /// Per phase for A, total for W; > 0, a multiple of 0.1.
    public var limit: Decimal
    public var unit: ChargingRateUnitType
    /// 1–3, or nil (the charger assumes 3).
    public var numberPhases: Int?
    /// Daily or weekly; nil for an Absolute profile.
    public var recurrence: RecurrencyKindType?
    /// "HH:MM" in UTC; required with `recurrence`, not allowed without.
    public var startTime: String?
    /// Seconds the schedule lasts; required with `recurrence` (at most one day or week), optional otherwise.
    public var duration: Int?
    public var validFrom: Timestamp?
    public var validTo: Timestamp?
    /// Only for a TxProfile: the transaction it is for.
    public var transactionId: Int?

    public init(
        id: Int,
        stackLevel: Int = 0,
        purpose: ChargingProfilePurposeType,
        limit: Decimal,
        unit: ChargingRateUnitType = .a,
        numberPhases: Int? = nil,
        recurrence: RecurrencyKindType? = nil,
        startTime: String? = nil,
        duration: Int? = nil,
        validFrom: Timestamp? = nil,
        validTo: Timestamp? = nil,
        transactionId: Int? = nil
    ) {
        self.id = id
        self.stackLevel = stackLevel
        self.purpose = purpose
        self.limit = limit
        self.unit = unit
        self.numberPhases = numberPhases
        self.recurrence = recurrence
        self.startTime = startTime
        self.duration = duration
        self.validFrom = validFrom
        self.validTo = validTo
        self.transactionId = transactionId
    }

    /// Reads a purpose as the CLI spells it: `max`, `default`, `tx`, or the OCPP names.
    public static func purpose(named name: String) throws(InputError) -> ChargingProfilePurposeType {
        switch name.lowercased() {
        case "max", "chargepointmax", "chargepointmaxprofile": return .chargePointMaxProfile
        case "default", "txdefault", "txdefaultprofile": return .txDefaultProfile
        case "tx", "txprofile": return .txProfile
        default: throw InputError("unknown purpose '\(name)': use max, default or tx")
        }
    }

    /// Reads a unit: `A` or `W` (any case).
    public static func unit(named name: String) throws(InputError) -> ChargingRateUnitType {
        switch name.uppercased() {
        case "A": return .a
        case "W": return .w
        default: throw InputError("unknown unit '\(name)': use A or W")
        }
    }

    /// Reads a recurrence: `daily` or `weekly` (any case).
    public static func recurrence(named name: String) throws(InputError) -> RecurrencyKindType {
        switch name.lowercased() {
        case "daily": return .daily
        case "weekly": return .weekly
        default: throw InputError("unknown recurrence '\(name)': use daily or weekly")
        }
    }

    /// Seconds after midnight of "HH:MM" (00:00–23:59), or nil when it is not that.
    public static func secondsOfDay(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        guard bytes.count == 5, bytes[2] == UInt8(ascii: ":") else { return nil }
        var digits: [Int] = []
        for i in [0, 1, 3, 4] {
            let digit = bytes[i] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            digits.append(Int(digit))
        }
        let hour = digits[0] * 10 + digits[1]
        let minute = digits[2] * 10 + digits[3]
        guard hour < 24, minute < 60 else { return nil }
        return hour * 3600 + minute * 60
    }

    /// The profile, checked; `now` fixes "today" for recurring profiles and the start of absolute ones.
    public func build(now: Timestamp = .now) throws(InputError) -> ChargingProfile {
        guard id >= 0 else { throw InputError("profile id \(id) is negative: use an id of 0 or more") }
        guard stackLevel >= 0 else { throw InputError("stack level \(stackLevel) is negative: use 0 or more") }
        guard purpose.isKnown else { throw InputError("unknown purpose '\(purpose)': use max, default or tx") }
        guard unit == .a || unit == .w else { throw InputError("unknown unit '\(unit)': use A or W") }
        guard limit > 0 else { throw InputError("limit \(limit) must be greater than 0: give a positive limit in \(unit)") }
        guard CompositeSchedule.roundedDown(limit) == limit else {
            throw InputError("limit \(limit) has more than one decimal: round it to a multiple of 0.1")
        }
        if let numberPhases, !(1...3).contains(numberPhases) {
            throw InputError("\(numberPhases) phases is not possible: use 1, 2 or 3")
        }
        if let duration, duration <= 0 { throw InputError("duration \(duration) must be greater than 0: give seconds, e.g. 7200") }
        if let from = validFrom, let to = validTo, to <= from {
            throw InputError("valid-to \(to) is not after valid-from \(from): give a later valid-to")
        }
        if transactionId != nil, purpose != .txProfile {
            throw InputError("a transaction id only applies to a tx profile: drop it or use purpose tx")
        }

        let period = ChargingSchedulePeriod(startPeriod: 0, limit: limit, numberPhases: numberPhases)
        if let recurrence {
            guard recurrence.isKnown else { throw InputError("unknown recurrence '\(recurrence)': use daily or weekly") }
            guard let startTime else { throw InputError("a \(recurrence.rawValue.lowercased()) profile needs a start time: give HH:MM (UTC)") }
            guard let secondOfDay = Self.secondsOfDay(startTime) else {
                throw InputError("start time '\(startTime)' is not HH:MM: use 00:00 to 23:59 (UTC)")
            }
            guard let duration else {
                throw InputError("a \(recurrence.rawValue.lowercased()) profile needs a duration: give the window length in seconds")
            }
            let cycle = recurrence == .weekly ? 604_800 : 86_400
            guard duration <= cycle else {
                throw InputError("duration \(duration) s is longer than the \(recurrence.rawValue.lowercased()) cycle: use at most \(cycle)")
            }
            let milliseconds = now.milliseconds
            let day = (milliseconds >= 0 ? milliseconds / 86_400_000 : (milliseconds - 86_399_999) / 86_400_000)
            let startSchedule = Timestamp(milliseconds: day * 86_400_000 + Int64(secondOfDay) * 1000)
            return ChargingProfile(
                chargingProfileId: id,
                transactionId: transactionId,
                stackLevel: stackLevel,
                chargingProfilePurpose: purpose,
                chargingProfileKind: .recurring,
                recurrencyKind: recurrence,
                validFrom: validFrom,
                validTo: validTo,
                chargingSchedule: ChargingSchedule(
                    duration: duration,
                    startSchedule: startSchedule,
                    chargingRateUnit: unit,
                    chargingSchedulePeriod: [period]
                )
            )
        }

        if let startTime { throw InputError("start time '\(startTime)' needs a recurrence: add daily or weekly, or drop the start time") }
        let wholeSecondNow = Timestamp(milliseconds: now.milliseconds - ((now.milliseconds % 1000) + 1000) % 1000)
        return ChargingProfile(
            chargingProfileId: id,
            transactionId: transactionId,
            stackLevel: stackLevel,
            chargingProfilePurpose: purpose,
            chargingProfileKind: .absolute,
            validFrom: validFrom,
            validTo: validTo,
            chargingSchedule: ChargingSchedule(
                duration: duration,
                startSchedule: validFrom ?? wholeSecondNow,
                chargingRateUnit: unit,
                chargingSchedulePeriod: [period]
            )
        )
    }
}
