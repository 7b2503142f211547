#!/usr/bin/env python3
"""The Python peer for `scripts/bench.sh --peers` (issue 19): a naive durable OCPP 1.6J central system.

Built on PyPI's `ocpp` (mobilityhouse; `ocpp.v16.ChargePoint` with @on handlers, its JSON-schema validation left
on) and `websockets`, in the venv of Tests/interop/setup-venv.sh. Every CALL a charger sends is stored in SQLite
before it is answered, one transaction and one commit per message (WAL, synchronous=FULL): the raw frame in
`frames`, and for MeterValues one row per sampled value in `meter_values`. That is what a straightforward durable
server on this library does; no batching, no threads.

    VENV/bin/python Benchmarks/peers/python_csms.py --port 0 --db FILE

Prints `listening on port N` once ready (the convention of Tests/interop/csms.py). Chargers connect to
ws://127.0.0.1:N/ocpp/<id> offering subprotocol ocpp1.6. SIGTERM or SIGINT stops it; the last stderr line then reads
`stored frames=F meterValues=M`.
"""

import argparse
import asyncio
import datetime
import logging
import signal
import sqlite3
import sys
import urllib.parse

from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

from ocpp.routing import on
from ocpp.v16 import ChargePoint, call_result, datatypes, enums
from ocpp.v16.enums import Action

SUBPROTOCOL = "ocpp1.6"

SCHEMA = """
CREATE TABLE IF NOT EXISTS frames (
    id INTEGER PRIMARY KEY, charger TEXT NOT NULL, received TEXT NOT NULL, action TEXT NOT NULL, frame TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS transactions (
    id INTEGER PRIMARY KEY, charger TEXT NOT NULL, connector INTEGER NOT NULL, id_tag TEXT NOT NULL,
    meter_start INTEGER NOT NULL, started TEXT NOT NULL, meter_stop INTEGER, stopped TEXT, reason TEXT);
CREATE TABLE IF NOT EXISTS meter_values (
    id INTEGER PRIMARY KEY, frame INTEGER NOT NULL REFERENCES frames(id), charger TEXT NOT NULL,
    connector INTEGER NOT NULL, transaction_id INTEGER, timestamp TEXT NOT NULL, measurand TEXT NOT NULL,
    phase TEXT, unit TEXT, context TEXT, value TEXT NOT NULL);
"""


def now_iso():
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


class Store:
    """One SQLite connection; `save` is one transaction with one commit (synchronous=FULL: fsync per message)."""

    def __init__(self, path):
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)
        self.frames = 0
        self.meter_values = 0
        row = self.db.execute("SELECT max(id) FROM transactions").fetchone()
        self.last_transaction_id = row[0] or 0

    def save(self, charger, action, frame, payload):
        """Stores one CALL; returns the new transaction id for StartTransaction."""
        received = now_iso()
        db = self.db
        db.execute("BEGIN")
        try:
            frame_id = db.execute("INSERT INTO frames (charger, received, action, frame) VALUES (?, ?, ?, ?)",
                                  (charger, received, action, frame)).lastrowid
            result = None
            if action == "MeterValues":
                rows = [(frame_id, charger, payload.get("connectorId", 0), payload.get("transactionId"), mv.get("timestamp", received),
                         sv.get("measurand", "Energy.Active.Import.Register"), sv.get("phase"), sv.get("unit"), sv.get("context"), sv["value"])
                        for mv in payload.get("meterValue", []) for sv in mv.get("sampledValue", [])]
                db.executemany("INSERT INTO meter_values (frame, charger, connector, transaction_id, timestamp, measurand, phase, unit, "
                               "context, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
                self.meter_values += len(rows)
            elif action == "StartTransaction":
                self.last_transaction_id += 1
                result = self.last_transaction_id
                db.execute("INSERT INTO transactions (id, charger, connector, id_tag, meter_start, started) VALUES (?, ?, ?, ?, ?, ?)",
                           (result, charger, payload["connectorId"], payload["idTag"], payload["meterStart"], payload["timestamp"]))
            elif action == "StopTransaction":
                db.execute("UPDATE transactions SET meter_stop = ?, stopped = ?, reason = ? WHERE id = ?",
                           (payload["meterStop"], payload["timestamp"], payload.get("reason"), payload["transactionId"]))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self.frames += 1
        return result


class ChargerSession(ChargePoint):
    def __init__(self, charger_id, connection, store):
        super().__init__(charger_id, connection)
        self.store = store
        self.raw = None
        self.msg = None

    async def route_message(self, raw_msg):
        self.raw = raw_msg
        await super().route_message(raw_msg)

    async def _handle_call(self, msg):
        self.msg = msg
        return await super()._handle_call(msg)

    def persist(self):
        """Called by every handler before it returns its answer (the library sends it after the return)."""
        return self.store.save(self.id, self.msg.action, self.raw, self.msg.payload)

    @on(Action.boot_notification)
    async def on_boot_notification(self, **kwargs):
        self.persist()
        return call_result.BootNotification(current_time=now_iso(), interval=300, status=enums.RegistrationStatus.accepted)

    @on(Action.heartbeat)
    async def on_heartbeat(self, **kwargs):
        self.persist()
        return call_result.Heartbeat(current_time=now_iso())

    @on(Action.status_notification)
    async def on_status_notification(self, **kwargs):
        self.persist()
        return call_result.StatusNotification()

    @on(Action.authorize)
    async def on_authorize(self, **kwargs):
        self.persist()
        return call_result.Authorize(id_tag_info=datatypes.IdTagInfo(status=enums.AuthorizationStatus.accepted))

    @on(Action.start_transaction)
    async def on_start_transaction(self, **kwargs):
        tx_id = self.persist()
        return call_result.StartTransaction(transaction_id=tx_id,
                                            id_tag_info=datatypes.IdTagInfo(status=enums.AuthorizationStatus.accepted))

    @on(Action.stop_transaction)
    async def on_stop_transaction(self, id_tag=None, **kwargs):
        self.persist()
        if id_tag is None:
            return call_result.StopTransaction()
        return call_result.StopTransaction(id_tag_info=datatypes.IdTagInfo(status=enums.AuthorizationStatus.accepted))

    @on(Action.meter_values)
    async def on_meter_values(self, **kwargs):
        self.persist()
        return call_result.MeterValues()

    @on(Action.data_transfer)
    async def on_data_transfer(self, **kwargs):
        self.persist()
        return call_result.DataTransfer(status=enums.DataTransferStatus.accepted)

    @on(Action.firmware_status_notification)
    async def on_firmware_status_notification(self, **kwargs):
        self.persist()
        return call_result.FirmwareStatusNotification()

    @on(Action.diagnostics_status_notification)
    async def on_diagnostics_status_notification(self, **kwargs):
        self.persist()
        return call_result.DiagnosticsStatusNotification()


def charger_id_from_path(path):
    segments = [s for s in urllib.parse.urlsplit(path).path.split("/") if s]
    if not segments or segments == ["ocpp"]:
        return None
    return urllib.parse.unquote(segments[-1])


async def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = ephemeral")
    parser.add_argument("--db", required=True, help="SQLite file (created)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="python_csms: %(levelname)s %(name)s: %(message)s")
    logging.getLogger("ocpp").setLevel(logging.CRITICAL)  # it logs each rejected CALL with a traceback
    logging.getLogger("websockets").setLevel(logging.ERROR)
    store = Store(args.db)

    def process_request(connection, request):
        if charger_id_from_path(request.path) is None:
            return connection.respond(404, "no charge point id in path\n")
        return None

    async def handle(connection):
        session = ChargerSession(charger_id_from_path(connection.request.path), connection, store)
        try:
            await session.start()
        except ConnectionClosed:
            pass

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    # The websockets defaults (20 s pings, 1 MiB frames) stay: a naive server keeps them.
    async with serve(handle, args.host, args.port, subprotocols=[SUBPROTOCOL], process_request=process_request, backlog=1024) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print(f"listening on port {port}", flush=True)
        await stop.wait()
        server.close()
        try:
            await asyncio.wait_for(server.wait_closed(), 5)
        except asyncio.TimeoutError:
            pass
    print(f"stored frames={store.frames} meterValues={store.meter_values}", file=sys.stderr, flush=True)
    store.db.close()


if __name__ == "__main__":
    asyncio.run(main())
