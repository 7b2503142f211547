import GRDB
import Shared
import Testing

@testable import ocpp_serve

/// The lease and routing rules of several nodes (issue 18), on an in-memory SQLite database with the real schema:
/// the same statements run on PostgreSQL (`LeaseTable`, `RemoteCommand` keep to the shared dialect).
@Suite struct LeaseTableTests {
    private func database() throws -> DatabaseQueue {
        let queue = try DatabaseQueue()
        try StoreSchema.migrator.migrate(queue)
        try queue.write { (db: Database) throws in
            for id in ["X", "Y", "Z"] {
                try db.execute(sql: "INSERT INTO chargers(id, first_seen_ms, online) VALUES (?, 0, 1)", arguments: [id])
            }
        }
        return queue
    }

    private func online(_ queue: DatabaseQueue, _ id: String) throws -> Int? {
        try queue.read { (db: Database) throws in try Int.fetchOne(db, sql: "SELECT online FROM chargers WHERE id = ?", arguments: [id]) }
    }

    @Test func takeOverNamesThePreviousNodeAndItsEpochOnly() throws {
        let queue = try database()
        try queue.write { (db: Database) throws in
            let c = GRDBSQLConnection(db)
            #expect(try LeaseTable.take("X", node: "A", epoch: 1, nowMs: 1000, expiresMs: 16_000, in: c) == nil)
            // A reconnect to the same node is the registry's business: no release to send.
            #expect(try LeaseTable.take("X", node: "A", epoch: 2, nowMs: 2000, expiresMs: 17_000, in: c) == nil)
            #expect(try LeaseTable.take("X", node: "B", epoch: 1, nowMs: 3000, expiresMs: 18_000, in: c) == LeaseTable.Holder(node: "A", epoch: 2))
            #expect(try LeaseTable.holder("X", nowMs: 3000, in: c) == LeaseTable.Holder(node: "B", epoch: 1))
            // An expired lease names nobody: its node is gone.
            #expect(try LeaseTable.take("X", node: "C", epoch: 1, nowMs: 20_000, expiresMs: 35_000, in: c) == nil)
        }
    }

    @Test func theReplacedNodeNeitherReleasesTheNewLeaseNorMarksTheChargerOffline() throws {
        let queue = try database()
        try queue.write { (db: Database) throws in
            let c = GRDBSQLConnection(db)
            _ = try LeaseTable.take("X", node: "A", epoch: 1, nowMs: 1000, expiresMs: 16_000, in: c)
            _ = try LeaseTable.take("X", node: "B", epoch: 7, nowMs: 2000, expiresMs: 17_000, in: c)
            #expect(try LeaseTable.release("X", node: "A", epoch: 1, nowMs: 2500, in: c) == false)
            // B's older connection closing after B's newer one took over: not released either.
            #expect(try LeaseTable.release("X", node: "B", epoch: 6, nowMs: 2500, in: c) == false)
        }
        #expect(try online(queue, "X") == 1)
        try queue.write { (db: Database) throws in
            #expect(try LeaseTable.release("X", node: "B", epoch: 7, nowMs: 3000, in: GRDBSQLConnection(db)) == true)
        }
        #expect(try online(queue, "X") == 0)
    }

    @Test func renewalKeepsOwnLeasesRetakesExpiredOnesAndReportsThoseHeldElsewhere() throws {
        let queue = try database()
        try queue.write { (db: Database) throws in
            let c = GRDBSQLConnection(db)
            _ = try LeaseTable.take("X", node: "A", epoch: 3, nowMs: 1000, expiresMs: 16_000, in: c)
            _ = try LeaseTable.take("Y", node: "B", epoch: 1, nowMs: 1000, expiresMs: 16_000, in: c)
            _ = try LeaseTable.take("Z", node: "B", epoch: 1, nowMs: 1000, expiresMs: 5_000, in: c)
            // A thinks it holds X (with an older snapshot epoch), Y (taken by B: live) and Z (B's lease ran out).
            let renewed = try LeaseTable.renew(["X": 2, "Y": 1, "Z": 1], node: "A", nowMs: 6000, expiresMs: 21_000, in: c)
            #expect(renewed == ["X", "Z"])
            #expect(try LeaseTable.holder("X", nowMs: 20_000, in: c) == LeaseTable.Holder(node: "A", epoch: 3))
            #expect(try LeaseTable.holder("Y", nowMs: 6000, in: c) == LeaseTable.Holder(node: "B", epoch: 1))
            #expect(try LeaseTable.holder("Z", nowMs: 20_000, in: c) == LeaseTable.Holder(node: "A", epoch: 1))
            #expect(try LeaseTable.live(nowMs: 17_000, in: c) == ["X": "A", "Z": "A"])
        }
    }

    @Test func renewalOfManyChargersRunsInChunks() throws {
        let queue = try database()
        let held = Dictionary(uniqueKeysWithValues: (0..<1234).map { ("CP\($0)", Int64($0)) })
        try queue.write { (db: Database) throws in
            let renewed = try LeaseTable.renew(held, node: "A", nowMs: 0, expiresMs: 15_000, in: GRDBSQLConnection(db))
            #expect(renewed.count == 1234)
        }
    }

    @Test func expiryDeletesDeadLeasesAndMarksTheirChargersOffline() throws {
        let queue = try database()
        try queue.write { (db: Database) throws in
            let c = GRDBSQLConnection(db)
            _ = try LeaseTable.take("X", node: "A", epoch: 1, nowMs: 0, expiresMs: 15_000, in: c)
            _ = try LeaseTable.take("Y", node: "B", epoch: 1, nowMs: 0, expiresMs: 30_000, in: c)
            #expect(try LeaseTable.expire(nowMs: 20_000, in: c) == ["X"])
            #expect(try LeaseTable.dropAll(node: "B", in: c) == 1)
        }
        #expect(try online(queue, "X") == 0)
        #expect(try online(queue, "Y") == 1)
    }

    @Test func aRemoteCommandIsClaimedOnceByItsTargetAndItsAnswerReadOnceByTheAsker() throws {
        let queue = try database()
        let request = RemoteCommand.Request(action: "Reset", payload: ["type": "Soft"], timeout: 10, validate: true, origin: "socket:op")
        try queue.write { (db: Database) throws in
            let c = GRDBSQLConnection(db)
            let id = try RemoteCommand.insert(request, charger: "X", origin: "A", target: "B", nowMs: 1000, in: c)
            #expect(try RemoteCommand.claim(for: "A", ids: nil, nowMs: 1100, in: c).isEmpty)
            let claimed = try RemoteCommand.claim(for: "B", ids: [id], nowMs: 1100, in: c)
            #expect(claimed == [RemoteCommand.Claimed(id: id, charger: "X", origin: "A", request: request)])
            // The safety poll finds nothing more: a notification and the poll never run one command twice.
            #expect(try RemoteCommand.claim(for: "B", ids: nil, nowMs: 1200, in: c).isEmpty)
            #expect(try RemoteCommand.collect([id], in: c).isEmpty)
            let result = CommandResult(charger: "X", action: "Reset", status: "Accepted", response: ["status": "Accepted"], commandID: 4)
            try RemoteCommand.answer(id, RemoteCommand.Outcome(result: result), nowMs: 1300, in: c)
            #expect(try RemoteCommand.collect([id], in: c)[id]?.result == result)
            #expect(try RemoteCommand.collect([id], in: c).isEmpty)
        }
    }

    @Test func onlyAnUnclaimedRequestCanBeWithdrawnToFollowItsCharger() throws {
        let queue = try database()
        let request = RemoteCommand.Request(action: "Reset", payload: ["type": "Soft"], timeout: 10, validate: true, origin: "socket:op")
        try queue.write { (db: Database) throws in
            let c = GRDBSQLConnection(db)
            let dead = try RemoteCommand.insert(request, charger: "X", origin: "B", target: "A", nowMs: 0, in: c)
            let alive = try RemoteCommand.insert(request, charger: "Y", origin: "B", target: "C", nowMs: 0, in: c)
            _ = try RemoteCommand.claim(for: "C", ids: nil, nowMs: 100, in: c)
            // A dead node never claimed X's request: it is withdrawn and sent again where X is now.
            #expect(try RemoteCommand.withdraw(dead, in: c))
            // C may already have sent Y's to the charger: it stays, so it never runs twice.
            #expect(try !RemoteCommand.withdraw(alive, in: c))
            #expect(try RemoteCommand.claim(for: "A", ids: nil, nowMs: 200, in: c).isEmpty)
        }
    }

    @Test func aRequestPastItsDeadlineIsNotClaimedAndIsPurged() throws {
        let queue = try database()
        let request = RemoteCommand.Request(action: "Reset", payload: ["type": "Hard"], timeout: 5, validate: true, origin: "limits")
        try queue.write { (db: Database) throws in
            let c = GRDBSQLConnection(db)
            _ = try RemoteCommand.insert(request, charger: "X", origin: "A", target: "B", nowMs: 0, in: c)
            // Deadline: the timeout plus 5 s.
            #expect(try RemoteCommand.claim(for: "B", ids: nil, nowMs: 10_001, in: c).isEmpty)
            #expect(try RemoteCommand.purge(beforeMs: 10_001, in: c) == 1)
        }
    }

    @Test func errorsCrossNodesUnchanged() throws {
        let outcome = RemoteCommand.Outcome(error: ControlError(.notConnected, "charger X is not connected"))
        let decoded = try #require(RemoteCommand.decode(RemoteCommand.Outcome.self, RemoteCommand.encode(outcome)))
        #expect(throws: ControlError(.notConnected, "charger X is not connected")) { try decoded.get() }
    }

    @Test func messagesAreAddressedAndEventsPackedUnderTheNotifyLimit() throws {
        let release = ClusterMessage(kind: .release, from: "B", to: "A", charger: "X", epoch: 3)
        #expect(ClusterMessage(payload: release.payload) == release)
        #expect(release.isFor("A") && !release.isFor("B") && !release.isFor("C"))
        let broadcast = ClusterMessage(kind: .refresh, from: "B", topic: "limits")
        #expect(broadcast.isFor("A") && broadcast.isFor("C") && !broadcast.isFor("B"))

        let events = (0..<200).map { i in
            ServerEvent(atMs: Int64(i), chargerID: "CP\(i)", kind: .status, detail: ["connector": 1, "status": "Charging", "pad": .string(String(repeating: "x", count: 100))])
        }
        let huge = ServerEvent(atMs: 0, chargerID: "CP", kind: .dataTransfer, detail: ["data": .string(String(repeating: "y", count: 9000))])
        let batches = ClusterMessage.eventBatches(events + [huge], from: "A")
        #expect(batches.count > 1)
        #expect(batches.allSatisfy { $0.payload.utf8.count <= ClusterMessage.maxPayloadBytes })
        let relayed = batches.flatMap { $0.events ?? [] }.compactMap(\.event)
        #expect(relayed.map(\.chargerID) == events.map(\.chargerID))
        #expect(relayed.last?.detail == events.last?.detail)
    }

    @Test(arguments: [("node-1", true), ("a.b_c:9000", true), ("", false), ("has space", false), ("ä", false), (String(repeating: "n", count: 65), false)])
    func nodeIDs(id: String, valid: Bool) {
        #expect(ClusterSettings.isValidNodeID(id) == valid)
    }

    @Test func defaultNodeIDIsHostAndPortOrHostAndRandom() {
        #expect(ClusterSettings.defaultNodeID(port: 9000, hostname: "csms1.example.org") == "csms1-9000")
        let random = ClusterSettings.defaultNodeID(port: 0, hostname: "csms1")
        #expect(random.hasPrefix("csms1-") && ClusterSettings.isValidNodeID(random))
    }
}
