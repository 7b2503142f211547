import Foundation
import Shared

/// The configuration keys of a simulated charger (OCPP 1.6 §9 and essentials §5): values, read-only flags, and the
/// validation a real charger applies on ChangeConfiguration. Keys compare case-insensitively (CiString50).
struct ConfigurationStore: Sendable {
    enum Kind: Sendable {
        case integer(ClosedRange<Int>)
        case boolean
        /// A comma-separated list whose items must be in `allowed` (any item when nil), at most `maxItems`.
        case list(allowed: Set<String>?, maxItems: Int)
        case text(maxLength: Int)
    }

    struct Entry: Sendable {
        var key: String
        var value: String?
        var readonly: Bool
        var kind: Kind
        /// Write-only keys (AuthorizationKey) are listed without a value.
        var hidden = false
    }

    private(set) var entries: [Entry]

    init(template: ChargerTemplate) {
        let connectors = template.connectors.count
        let measurands = Set(template.supportedMeasurands)
        let sampled = Kind.list(allowed: measurands, maxItems: 10)
        entries = [
            Entry(key: "HeartbeatInterval", value: "300", readonly: false, kind: .integer(0...86_400)),
            Entry(key: "ConnectionTimeOut", value: "60", readonly: false, kind: .integer(0...3_600)),
            Entry(key: "MeterValueSampleInterval", value: "60", readonly: false, kind: .integer(0...3_600)),
            Entry(key: "ClockAlignedDataInterval", value: "0", readonly: false, kind: .integer(0...86_400)),
            Entry(key: "MeterValuesSampledData", value: template.defaultSampledData, readonly: false, kind: sampled),
            Entry(key: "MeterValuesSampledDataMaxLength", value: "10", readonly: true, kind: .integer(0...100)),
            Entry(key: "MeterValuesAlignedData", value: "Energy.Active.Import.Register", readonly: false, kind: sampled),
            Entry(key: "MeterValuesAlignedDataMaxLength", value: "10", readonly: true, kind: .integer(0...100)),
            Entry(key: "StopTxnSampledData", value: "Energy.Active.Import.Register", readonly: false, kind: sampled),
            Entry(key: "StopTxnSampledDataMaxLength", value: "10", readonly: true, kind: .integer(0...100)),
            Entry(key: "StopTxnAlignedData", value: "", readonly: false, kind: sampled),
            Entry(key: "StopTxnAlignedDataMaxLength", value: "10", readonly: true, kind: .integer(0...100)),
            Entry(key: "NumberOfConnectors", value: String(connectors), readonly: true, kind: .integer(0...100)),
            Entry(key: "GetConfigurationMaxKeys", value: "50", readonly: true, kind: .integer(0...1_000)),
            Entry(
                key: "SupportedFeatureProfiles", value: "Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger",
                readonly: true, kind: .list(allowed: nil, maxItems: 6)
            ),
            Entry(key: "AuthorizeRemoteTxRequests", value: "false", readonly: false, kind: .boolean),
            Entry(key: "LocalAuthorizeOffline", value: "true", readonly: false, kind: .boolean),
            Entry(key: "LocalPreAuthorize", value: "false", readonly: false, kind: .boolean),
            Entry(key: "AllowOfflineTxForUnknownId", value: "true", readonly: false, kind: .boolean),
            Entry(key: "AuthorizationCacheEnabled", value: "true", readonly: false, kind: .boolean),
            Entry(key: "StopTransactionOnInvalidId", value: "true", readonly: false, kind: .boolean),
            Entry(key: "StopTransactionOnEVSideDisconnect", value: "true", readonly: false, kind: .boolean),
            Entry(key: "UnlockConnectorOnEVSideDisconnect", value: "true", readonly: false, kind: .boolean),
            Entry(key: "TransactionMessageAttempts", value: "3", readonly: false, kind: .integer(0...100)),
            Entry(key: "TransactionMessageRetryInterval", value: "30", readonly: false, kind: .integer(0...86_400)),
            Entry(key: "ResetRetries", value: "2", readonly: false, kind: .integer(0...100)),
            Entry(
                key: "ConnectorPhaseRotation", value: (0...connectors).map { "\($0).RST" }.joined(separator: ","), readonly: false,
                kind: .list(allowed: nil, maxItems: connectors + 1)
            ),
            Entry(key: "MinimumStatusDuration", value: "0", readonly: false, kind: .integer(0...3_600)),
            Entry(key: "WebSocketPingInterval", value: "0", readonly: false, kind: .integer(0...86_400)),
            Entry(key: "SupportedFileTransferProtocols", value: "FTP,HTTP,HTTPS", readonly: true, kind: .list(allowed: nil, maxItems: 4)),
            Entry(key: "LocalAuthListEnabled", value: "true", readonly: false, kind: .boolean),
            Entry(key: "LocalAuthListMaxLength", value: "10000", readonly: true, kind: .integer(0...100_000)),
            Entry(key: "SendLocalListMaxLength", value: "1000", readonly: true, kind: .integer(0...100_000)),
            Entry(key: "ReserveConnectorZeroSupported", value: "true", readonly: true, kind: .boolean),
            Entry(key: "ChargeProfileMaxStackLevel", value: "8", readonly: true, kind: .integer(0...100)),
            Entry(key: "ChargingScheduleMaxPeriods", value: "24", readonly: true, kind: .integer(0...1_000)),
            Entry(key: "MaxChargingProfilesInstalled", value: "16", readonly: true, kind: .integer(0...1_000)),
            Entry(key: "ChargingScheduleAllowedChargingRateUnit", value: template.allowedUnits.joined(separator: ","), readonly: true, kind: .list(allowed: ["Current", "Power"], maxItems: 2)),
            Entry(key: "ConnectorSwitch3to1PhaseSupported", value: "false", readonly: true, kind: .boolean),
            Entry(key: "AuthorizationKey", value: nil, readonly: false, kind: .text(maxLength: 40), hidden: true),
            Entry(key: "SecurityProfile", value: "0", readonly: false, kind: .integer(0...3)),
            // Security extension (1.6 Security Whitepaper §7): CpoName is the O of the charger certificate's CSR.
            Entry(key: "CpoName", value: "", readonly: false, kind: .text(maxLength: 50)),
            Entry(key: "CertificateStoreMaxLength", value: "10", readonly: true, kind: .integer(0...1_000)),
            Entry(key: "CertificateSignedMaxChainSize", value: "10000", readonly: true, kind: .integer(0...10_000)),
            Entry(key: "AdditionalRootCertificateCheck", value: "false", readonly: true, kind: .boolean),
        ]
    }

    private func index(_ key: String) -> Int? {
        entries.firstIndex { $0.key.caseInsensitiveCompare(key) == .orderedSame }
    }

    func value(_ key: String) -> String? {
        index(key).flatMap { entries[$0].value }
    }

    func integer(_ key: String, default fallback: Int) -> Int {
        value(key).flatMap { Int($0) } ?? fallback
    }

    func boolean(_ key: String) -> Bool {
        value(key)?.lowercased() == "true"
    }

    func list(_ key: String) -> [String] {
        (value(key) ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// GetConfiguration: the requested keys (all when none) and the unknown ones.
    func get(_ keys: [String]?) -> GetConfigurationResponse {
        let wanted = keys ?? entries.map(\.key)
        var known: [KeyValue] = []
        var unknown: [String] = []
        for key in wanted {
            guard let i = index(key) else {
                unknown.append(key)
                continue
            }
            let entry = entries[i]
            known.append(KeyValue(key: entry.key, readonly: entry.readonly, value: entry.hidden ? nil : entry.value))
        }
        return GetConfigurationResponse(configurationKey: known.isEmpty ? nil : known, unknownKey: unknown.isEmpty ? nil : unknown)
    }

    /// ChangeConfiguration: unknown keys are NotSupported; read-only keys and invalid values Rejected.
    mutating func change(_ key: String, to value: String) -> ConfigurationStatus {
        guard let i = index(key) else { return .notSupported }
        guard !entries[i].readonly, let normalized = Self.validate(value, as: entries[i].kind) else { return .rejected }
        entries[i].value = normalized
        return .accepted
    }

    /// Sets a value without validation (the simulator's own bookkeeping, e.g. the heartbeat interval from BootNotification).
    mutating func force(_ key: String, _ value: String) {
        if let i = index(key) { entries[i].value = value }
    }

    static func validate(_ value: String, as kind: Kind) -> String? {
        switch kind {
        case .integer(let range):
            guard let n = Int(value.trimmingCharacters(in: .whitespaces)), range.contains(n) else { return nil }
            return String(n)
        case .boolean:
            switch value.lowercased() {
            case "true": return "true"
            case "false": return "false"
            default: return nil
            }
        case .list(let allowed, let maxItems):
            let items = value.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            if value.isEmpty { return "" }
            guard items.count <= maxItems, !items.contains(where: \.isEmpty) else { return nil }
            if let allowed {
                // An item may name a phase: Current.Import.L1 (S§9.1). One unknown item rejects the whole list (S§3.16.4).
                for item in items where !allowed.contains(item) {
                    let parts = item.split(separator: ".")
                    guard parts.count > 1, let phase = parts.last, ["L1", "L2", "L3", "N", "L1-N", "L2-N", "L3-N"].contains(String(phase)),
                        allowed.contains(parts.dropLast().joined(separator: "."))
                    else { return nil }
                }
            }
            return items.joined(separator: ",")
        case .text(let maxLength):
            return value.count <= maxLength ? value : nil
        }
    }
}
