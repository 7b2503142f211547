import Shared

/// Applies a charger's payload quirks to a CALL it is about to send.
struct QuirkRewriter: Sendable {
    var quirks: Set<QuirkMode>

    func apply(action: String, to payload: JSONValue) -> JSONValue {
        guard !quirks.isDisjoint(with: QuirkMode.payloadQuirks), case .object(var object) = payload else { return payload }
        switch action {
        case "BootNotification":
            if quirks.contains(.longStrings) {
                object["chargePointModel"] = .string((object["chargePointModel"]?.stringValue ?? "") + " Long Model Name XL")
                object["chargeBoxSerialNumber"] = .string("SN-" + String(repeating: "0123456789", count: 3))
            }
            if quirks.contains(.emptyStrings) {
                object["iccid"] = ""
                object["imsi"] = ""
                object["meterSerialNumber"] = ""
            }
            if quirks.contains(.wrongCase) {
                if let i = object.members.firstIndex(where: { $0.key == "chargeBoxSerialNumber" }) { object.members[i].key = "ChargeBoxSerialNumber" }
            }
        case "StatusNotification":
            if quirks.contains(.nullStrings) {
                object["info"] = "null"
                object["vendorErrorCode"] = "0x00"
            }
            if quirks.contains(.longStrings) {
                object["info"] = .string("connector state reported by the power module controller, rev B")
            }
            numbers(&object, ["connectorId"])
        case "StartTransaction":
            numbers(&object, ["connectorId", "meterStart"])
        case "StopTransaction":
            numbers(&object, ["meterStop"])
            if case .array(let values)? = object["transactionData"] {
                object["transactionData"] = .array(values.map(meterValue))
            }
        case "MeterValues":
            numbers(&object, ["connectorId"])
            if case .array(let values)? = object["meterValue"] {
                object["meterValue"] = .array(values.map(meterValue))
            }
        default:
            break
        }
        var result = JSONValue.object(object)
        if quirks.contains(.noZone) { result = Self.strippingZones(result) }
        return result
    }

    private func numbers(_ object: inout JSONObject, _ keys: [String]) {
        guard quirks.contains(.numbersAsStrings) else { return }
        for key in keys {
            if case .number(let n)? = object[key] { object[key] = .string(n.text) }
        }
    }

    private func meterValue(_ value: JSONValue) -> JSONValue {
        guard case .object(var object) = value, case .array(var samples)? = object["sampledValue"] else { return value }
        if quirks.contains(.kWhAsWh) {
            samples = samples.map { sample in
                guard case .object(var s) = sample, s["measurand"]?.stringValue ?? "Energy.Active.Import.Register" == "Energy.Active.Import.Register",
                    s["unit"]?.stringValue ?? "Wh" == "Wh", let wh = s["value"]?.stringValue.flatMap(Double.init)
                else { return sample }
                s["value"] = .string(MeterFormat.decimal(wh / 1000, places: 3))
                s["unit"] = "Wh"
                return .object(s)
            }
        }
        if quirks.contains(.unknownMeasurands) {
            samples.append(["value": "32", "context": "CurrentMax", "unit": "A"])
            samples.append(["value": "41.5", "measurand": "Temperature.Cable", "unit": "Celsius"])
        }
        object["sampledValue"] = .array(samples)
        return .object(object)
    }

    /// Every RFC 3339 UTC timestamp written by the simulator (`…Z`) loses its zone.
    static func strippingZones(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text) where text.count >= 20 && text.hasSuffix("Z") && text.dropFirst(10).first == "T":
            return .string(String(text.dropLast()))
        case .array(let items):
            return .array(items.map(strippingZones))
        case .object(let object):
            return .object(JSONObject(object.members.map { JSONMember(key: $0.key, value: strippingZones($0.value)) }))
        default:
            return value
        }
    }
}
