import Crypto
import Foundation
import Logging
import Shared
import Synchronization

/// Security Profile 1 at the handshake: which chargers must send HTTP Basic credentials, and whether they did.
///
/// Keys live in `charger_security` (hashed, `HashedKey`) and in memory here, so a handshake needs no database read.
/// A charger with a key must use it (no fallback to plain); a charger without one connects as before unless the
/// server minimum (`--security-profile 1`) requires a key of every charger.
///
/// The slow check (PBKDF2) runs off the event loops (`ChargerEndpoint` hands it to one verification thread);
/// a password that passed once is remembered as a keyed MAC in memory, so a charger that reconnects, even during a
/// flood of wrong guesses, is checked in microseconds.
final class ChargerCredentials: Sendable {
    struct Entry: Sendable, Equatable {
        var profile: Int
        /// Nil only at profile 3, where the client certificate, not a key, proves the charger's identity.
        var current: HashedKey?
        /// The key before a rotation, accepted until the charger connects with `current`.
        var previous: HashedKey?
    }

    enum Verdict: Sendable, Equatable {
        case allowed(detail: String?)
        case refused(reason: String)
    }

    enum Check: Sendable {
        case done(Verdict)
        /// Needs a PBKDF2 derivation: run it off the event loop.
        case slow(@Sendable () -> Verdict)
    }

    let minimumProfile: Int
    private let writer: StoreWriter?
    private let logger: Logger
    private let entries = Mutex<[String: Entry]>([:])
    /// Keys sent in a ChangeConfiguration not yet answered: accepted at a handshake so that a charger reconnecting
    /// at once with its new key is not refused while the answer is still being recorded. Memory only.
    private let pending = Mutex<[String: HashedKey]>([:])
    /// Per charger: MAC of the password last accepted. The MAC key is random per process and never stored.
    private let verified = Mutex<[String: [UInt8]]>([:])
    private let macKey = SymmetricKey(size: .bits256)
    /// Derived for unknown chargers so that their refusal takes as long as a wrong password's.
    private let decoy = HashedKey(key: Array(repeating: 0, count: 20))
    /// PBKDF2 derivations run by handshake checks; lets tests see by value that an unknown charger costs one, like
    /// a wrong password (no timed tests).
    let derivations = Atomic<Int>(0)

    init(minimumProfile: Int, writer: StoreWriter?, logger: Logger) {
        self.minimumProfile = minimumProfile
        self.writer = writer
        self.logger = logger
    }

    /// Loads every stored key (at start).
    func load(from database: any SQLStore) async throws {
        let rows = try await database.read { db in try db.fetchAll(sql: "SELECT * FROM charger_security") }
        var loaded: [String: Entry] = [:]
        for row in rows {
            func key(_ prefix: String) -> HashedKey? {
                guard let hash: Data = row["\(prefix)_hash"], let salt: Data = row["\(prefix)_salt"], let rounds: Int = row["\(prefix)_rounds"],
                    let length: Int = row["\(prefix)_length"]
                else { return nil }
                return HashedKey(hash: Array(hash), salt: Array(salt), rounds: rounds, length: length)
            }
            guard let id: String = row["charger_id"] else { continue }
            let profile: Int = row["profile"] ?? 1
            let current = key("key")
            guard current != nil || profile == 3 else { continue }
            loaded[id] = Entry(profile: profile, current: current, previous: key("previous"))
        }
        entries.withLock { $0 = loaded }
    }

    func entry(_ chargerID: String) -> Entry? { entries.withLock { $0[chargerID] } }

    /// The decision for one handshake, cheap unless a key must be derived.
    func check(chargerID: String, authorization: String?) -> Check {
        let entry = entries.withLock { $0[chargerID] }
        let pendingKey = pending.withLock { $0[chargerID] }
        guard entry != nil || pendingKey != nil || minimumProfile >= 1 else { return .done(.allowed(detail: nil)) }
        guard let authorization else {
            return .done(.refused(reason: entry == nil ? "no Basic credentials (server requires security profile \(minimumProfile))" : "no Basic credentials (charger has a password)"))
        }
        guard let credentials = BasicAuthorization(header: authorization) else {
            return .done(.refused(reason: "malformed Authorization header (expected Basic)"))
        }
        guard credentials.user == chargerID else {
            return .done(.refused(reason: "Basic user \(credentials.user) is not the charge point id"))
        }
        let password = credentials.password
        let mac = mac(chargerID, password)
        if let known = verified.withLock({ $0[chargerID] }), HashedKey.constantTimeEqual(known, mac) {
            return .done(.allowed(detail: "remembered"))
        }
        return .slow { self.verify(chargerID: chargerID, password: password, mac: mac) }
    }

    private func verify(chargerID: String, password: [UInt8], mac: [UInt8]) -> Verdict {
        let entry = entries.withLock { $0[chargerID] }
        let pendingKey = pending.withLock { $0[chargerID] }
        guard let entry else {
            if let pendingKey, let form = matches(pendingKey, password) {
                return .allowed(detail: "new key (\(form.rawValue))")
            }
            _ = matches(decoy, password)
            return .refused(reason: pendingKey == nil ? "unknown charger (server requires security profile \(minimumProfile))" : "wrong password")
        }
        guard let current = entry.current else {
            _ = matches(decoy, password)
            return .refused(reason: "charger has no password (security profile 3: client certificate only)")
        }
        if let form = matches(current, password) {
            verified.withLock { $0[chargerID] = mac }
            if entry.previous != nil { forgetPrevious(chargerID) }
            return .allowed(detail: "key (\(form.rawValue))")
        }
        if let previous = entry.previous, let form = matches(previous, password) {
            return .allowed(detail: "previous key until the charger uses the new one (\(form.rawValue))")
        }
        if let pendingKey, let form = matches(pendingKey, password) {
            return .allowed(detail: "new key, answer pending (\(form.rawValue))")
        }
        return .refused(reason: "wrong password")
    }

    /// One derivation, counted.
    private func matches(_ key: HashedKey, _ password: [UInt8]) -> HashedKey.Form? {
        derivations.wrappingAdd(1, ordering: .relaxed)
        return key.matches(password)
    }

    private func mac(_ chargerID: String, _ password: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array(chargerID.utf8) + [0] + password, using: macKey))
    }

    /// The charger connected with its new key: the old one stops working.
    private func forgetPrevious(_ chargerID: String) {
        guard let entry = entries.withLock({ state -> Entry? in
            guard var entry = state[chargerID], entry.previous != nil else { return nil }
            entry.previous = nil
            state[chargerID] = entry
            return entry
        }) else { return }
        logger.notice("previous key forgotten", metadata: ["charger": "\(chargerID)", "reason": "charger connected with its new key"])
        writer?.submitDetached(.chargerKey(chargerID: chargerID, entry: entry, atMs: Timestamp.nowMilliseconds()))
    }

    /// Sets (or with nil clears, removing the charger's security settings) a charger's key, keeping its profile;
    /// returns once stored.
    func set(_ chargerID: String, key: [UInt8]?) async throws {
        let profile = entries.withLock { $0[chargerID]?.profile } ?? 1
        let entry = key.map { Entry(profile: profile, current: HashedKey(key: $0), previous: nil) }
        try await store(chargerID, entry)
        pending.withLock { _ = $0.removeValue(forKey: chargerID) }
    }

    enum ProfileChange: Error, Equatable {
        /// Profiles 1 and 2 authenticate with HTTP Basic: the charger needs a key first.
        case needsPassword
    }

    /// Sets a charger's security profile (1...3); profiles 1 and 2 need a key already set. Returns the previous
    /// profile (nil: none registered) once stored.
    @discardableResult
    func setProfile(_ chargerID: String, profile: Int) async throws -> Int? {
        let old = entries.withLock { $0[chargerID] }
        guard profile == 3 || old?.current != nil else { throw ProfileChange.needsPassword }
        try await store(chargerID, Entry(profile: profile, current: old?.current, previous: old?.previous))
        return old?.profile
    }

    /// The profile a charger must connect with: its registered one, or the server minimum if higher.
    func requiredProfile(_ chargerID: String) -> Int {
        max(minimumProfile, entries.withLock { $0[chargerID]?.profile } ?? 0)
    }

    /// A rotation is about to be sent: the new key works at the handshake from now on.
    func beginRotation(_ chargerID: String, key: [UInt8]) {
        let hashed = HashedKey(key: key)
        pending.withLock { $0[chargerID] = hashed }
    }

    /// The charger answered the rotation: on acceptance the new key is current and the old one stays valid until
    /// the charger connects with the new; otherwise nothing changes.
    func endRotation(_ chargerID: String, accepted: Bool) async throws {
        guard let key = pending.withLock({ $0.removeValue(forKey: chargerID) }) else { return }
        guard accepted else { return }
        let old = entries.withLock { $0[chargerID] }
        try await store(chargerID, Entry(profile: old?.profile ?? 1, current: key, previous: old?.current))
    }

    private func store(_ chargerID: String, _ entry: Entry?) async throws {
        _ = try await writer?.submit(.chargerKey(chargerID: chargerID, entry: entry, atMs: Timestamp.nowMilliseconds()))
        entries.withLock { $0[chargerID] = entry }
        verified.withLock { _ = $0.removeValue(forKey: chargerID) }
        if let changed = changed.withLock({ $0 }) { await changed() }
    }

    /// Several nodes: called after a key or profile change is stored, to tell the other nodes.
    private let changed = Mutex<(@Sendable () async -> Void)?>(nil)

    func onChange(_ hook: @escaping @Sendable () async -> Void) {
        changed.withLock { $0 = hook }
    }

    /// Another node changed keys or profiles: read them all again; remembered passwords are checked anew.
    func refresh(from database: any SQLStore) async throws {
        try await load(from: database)
        verified.withLock { $0.removeAll() }
    }
}
