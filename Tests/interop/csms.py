#!/usr/bin/env python3
"""Independent OCPP 1.6J central system (CSMS) for interoperability tests.

Built on the PyPI package `ocpp` (mobilityhouse/ocpp, `ocpp.v16.ChargePoint`
with @on handlers) and `websockets`, so it shares no code with ocpp-tools.
The library's JSON-schema validation stays ON: every schema violation in a
charger's CALL is answered with a CALLERROR and recorded in the report.

    VENV/bin/python csms.py --port 0 --report FILE [--command-script]

Prints `listening on port N` once ready. Chargers connect to
ws://127.0.0.1:N/ocpp/<id> (or /<id>) offering subprotocol ocpp1.6.
The JSON report FILE is rewritten atomically after every event; see
Tests/interop/README.md for its format.
"""

import argparse
import asyncio
import copy
import datetime
import decimal
import functools
import json
import logging
import os
import re
import signal
import sys
import tempfile
import urllib.parse

from jsonschema import Draft4Validator, FormatChecker
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State

import ocpp.v16
from ocpp.exceptions import OCPPError
from ocpp.messages import CallError, CallResult, MessageType, unpack
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result, datatypes, enums
from ocpp.v16.enums import Action

SUBPROTOCOL = "ocpp1.6"
RESPONSE_TIMEOUT = 10  # seconds the library waits for a CALLRESULT/CALLERROR
REMOTE_START_ID_TAG = "INTEROP1"

LOG = logging.getLogger("csms")


def now_iso():
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def _json_default(obj):
    if isinstance(obj, decimal.Decimal):
        return float(obj)
    return str(obj)


def describe(exc):
    """One-line description of an exception, OCPP errors with their code."""
    if isinstance(exc, OCPPError):
        text = f"{exc.code}: {exc.description}"
        details = exc.details if isinstance(exc.details, dict) else {}
        if details.get("cause"):
            # jsonschema messages append a dump of the schema after a blank line
            cause = str(details["cause"]).split("\n\n")[0]
            text += f" ({cause})"
        return text
    return f"{type(exc).__name__}: {exc}"


# --- date-time format check ------------------------------------------------
# The library validates with a plain Draft4Validator, i.e. *without* a format
# checker, so `"format": "date-time"` in the OCPP 1.6 schemas is ignored. We
# check it ourselves (RFC 3339) and record violations in the report, without
# changing the library's answer to the charger.

_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)
_FORMAT_CHECKER = FormatChecker(formats=())


@_FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _is_date_time(value):
    if not isinstance(value, str):
        return True
    if not _RFC3339.match(value):
        return False
    datetime.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    return True


_SCHEMA_DIR = os.path.join(os.path.dirname(ocpp.v16.__file__), "schemas")
_format_validators = {}


def format_problems(message_type_id, action, payload):
    # Schemas are loaded here directly: ocpp.messages.get_validator caches by
    # action only (not by its parse_float), so calling it ourselves could
    # poison the library's cache.
    name = action + ("Response" if message_type_id == MessageType.CallResult else "")
    validator = _format_validators.get(name)
    if validator is None:
        try:
            with open(os.path.join(_SCHEMA_DIR, name + ".json"), encoding="utf-8-sig") as f:
                validator = Draft4Validator(json.load(f), format_checker=_FORMAT_CHECKER)
        except (OSError, ValueError):
            return []
        _format_validators[name] = validator
    problems = []
    for err in validator.iter_errors(payload):
        if err.validator == "format":
            where = "/".join(str(p) for p in err.absolute_path) or "<root>"
            problems.append(f"{where}: {err.message}")
    return problems


# --- report ----------------------------------------------------------------


class Report:
    def __init__(self, path):
        self.path = os.path.abspath(path)
        self.data = {"chargers": {}, "errors": []}

    def charger(self, charger_id):
        return self.data["chargers"].setdefault(
            charger_id,
            {
                "boot": None,
                "connections": 0,
                "connected": False,
                "received": [],
                "commands": [],
                "transactions": [],
            },
        )

    def error(self, text):
        LOG.warning("%s", text)
        self.data["errors"].append(text)
        self.write()

    def write(self):
        directory = os.path.dirname(self.path)
        fd, tmp = tempfile.mkstemp(prefix=".csms-report-", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(self.data, f, indent=2, default=_json_default)
                f.write("\n")
            os.replace(tmp, self.path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise


# --- charge point session -------------------------------------------------


def guarded(func):
    """Record unexpected handler exceptions (the library would only log them
    and answer InternalError)."""

    @functools.wraps(func)
    async def wrapper(self, **kwargs):
        try:
            return await func(self, **kwargs)
        except Exception as exc:
            self.error(f"handler {func.__name__} failed: {describe(exc)}")
            raise

    return wrapper


class ChargerSession(ChargePoint):
    """One WebSocket connection of one charger, seen from the central system."""

    def __init__(self, charger_id, connection, csms):
        super().__init__(charger_id, connection, response_timeout=RESPONSE_TIMEOUT)
        self.csms = csms
        self.report = csms.report
        self.entry = self.report.charger(charger_id)
        self.current_payload = None  # raw (camelCase) payload of the CALL being handled
        self.last_response = None  # raw CallResult/CallError of the last CSMS CALL
        self.last_response_payload = None
        self.script_task = None

    def error(self, text):
        self.report.error(f"[{self.id}] {text}")

    # -- hooks into the library --------------------------------------------

    async def route_message(self, raw_msg):
        if isinstance(raw_msg, bytes):
            self.error(f"binary WebSocket frame received (OCPP-J requires text): {raw_msg[:200]!r}")
        try:
            unpack(raw_msg)
        except OCPPError as exc:
            # The library only logs and drops such messages (no CALLERROR).
            self.error(f"unparseable message dropped: {describe(exc)}: {str(raw_msg)[:500]}")
            return
        await super().route_message(raw_msg)

    async def _handle_call(self, msg):
        # msg.payload is the wire JSON; keep a copy before the library
        # converts it (snake_case kwargs, Decimal for some actions).
        record = {"action": msg.action, "payload": copy.deepcopy(msg.payload)}
        self.entry["received"].append(record)
        if isinstance(msg.payload, dict):
            problems = format_problems(MessageType.Call, msg.action, msg.payload)
            if problems:
                record["formatErrors"] = problems
                self.error(f"{msg.action} CALL has invalid date-time values: {'; '.join(problems)}")
        self.current_payload = record["payload"]
        self.report.write()
        try:
            return await super()._handle_call(msg)
        except OCPPError as exc:
            # Schema violation, unknown/unsupported action, ...: the library's
            # route_message answers with a CALLERROR after we re-raise.
            record["error"] = describe(exc)
            self.error(
                f"{msg.action} CALL answered with CALLERROR {describe(exc)}; "
                f"payload {json.dumps(record['payload'], default=_json_default)}"
            )
            raise
        finally:
            self.current_payload = None

    async def _get_specific_response(self, unique_id, timeout):
        # Same contract as the library's version, but keeps the raw response
        # (the library only hands back a snake_case dataclass) and records
        # responses with unexpected unique ids.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise asyncio.TimeoutError
            response = await asyncio.wait_for(self._response_queue.get(), remaining)
            if response.unique_id == unique_id:
                self.last_response = response
                if isinstance(response, CallResult):
                    self.last_response_payload = copy.deepcopy(response.payload)
                return response
            self.error(
                f"response with unexpected unique id {response.unique_id!r} ignored "
                f"(waiting for {unique_id!r}): {response.to_json()[:500]}"
            )

    # -- CSMS-initiated commands --------------------------------------------

    async def command(self, payload):
        action = type(payload).__name__
        record = {"action": action, "response": None, "error": None}
        self.last_response = None
        self.last_response_payload = None
        try:
            await self.call(payload, suppress=False)
            record["response"] = self.last_response_payload
        except asyncio.TimeoutError:
            record["error"] = f"timeout: no response within {RESPONSE_TIMEOUT} s"
        except (ConnectionClosed, asyncio.CancelledError):
            record["error"] = "connection closed before a response"
            self.entry["commands"].append(record)
            self.error(f"{action} command: {record['error']}")
            raise
        except Exception as exc:
            raw = self.last_response
            if isinstance(raw, CallError):
                record["error"] = f"CALLERROR {raw.error_code}: {raw.error_description}"
                if raw.error_details:
                    record["error"] += f" {json.dumps(raw.error_details, default=_json_default)}"
            elif isinstance(raw, CallResult):
                record["response"] = self.last_response_payload
                record["error"] = f"response violates schema: {describe(exc)}"
            else:
                record["error"] = f"request not sent: {describe(exc)}"
        if record["response"] is not None:
            problems = format_problems(MessageType.CallResult, action, record["response"])
            if problems:
                record["formatErrors"] = problems
                self.error(f"{action} response has invalid date-time values: {'; '.join(problems)}")
        self.entry["commands"].append(record)
        if record["error"]:
            self.error(f"{action} command: {record['error']}")
        else:
            self.report.write()
        return record

    def transaction_to_stop(self):
        txs = self.entry["transactions"]
        open_txs = [t for t in txs if t["meterStop"] is None]
        for t in reversed(open_txs):
            if t["idTag"] == REMOTE_START_ID_TAG:
                return t["transactionId"]
        if open_txs:
            return open_txs[-1]["transactionId"]
        return txs[-1]["transactionId"] if txs else None

    async def run_command_script(self):
        try:
            await asyncio.sleep(0.5)
            profile = datatypes.ChargingProfile(
                charging_profile_id=1,
                stack_level=0,
                charging_profile_purpose=enums.ChargingProfilePurposeType.tx_default_profile,
                charging_profile_kind=enums.ChargingProfileKindType.absolute,
                charging_schedule=datatypes.ChargingSchedule(
                    charging_rate_unit=enums.ChargingRateUnitType.amps,
                    start_schedule=now_iso(),
                    charging_schedule_period=[
                        datatypes.ChargingSchedulePeriod(start_period=0, limit=10.0)
                    ],
                ),
            )
            for payload in [
                call.GetConfiguration(),
                call.ChangeConfiguration(key="MeterValueSampleInterval", value="5"),
                call.SetChargingProfile(connector_id=0, cs_charging_profiles=profile),
                call.GetCompositeSchedule(connector_id=1, duration=3600),
                call.TriggerMessage(
                    requested_message=enums.MessageTrigger.status_notification,
                    connector_id=1,
                ),
                call.RemoteStartTransaction(id_tag=REMOTE_START_ID_TAG, connector_id=1),
            ]:
                await self.command(payload)
            await asyncio.sleep(3)
            tx = self.transaction_to_stop()
            if tx is None:
                self.entry["commands"].append(
                    {
                        "action": "RemoteStopTransaction",
                        "response": None,
                        "error": "skipped: no StartTransaction received from this charger",
                    }
                )
                self.error("RemoteStopTransaction skipped: no StartTransaction received")
            else:
                await self.command(call.RemoteStopTransaction(transaction_id=tx))
            await self.command(call.Reset(type=enums.ResetType.soft))
        except ConnectionClosed:
            pass  # recorded by command()
        except asyncio.CancelledError:
            self.error("command script aborted: connection closed")
            raise
        except Exception as exc:
            self.error(f"command script failed: {describe(exc)}")

    async def finish(self):
        """Connection is gone: give a running command script a moment to
        consume an already received last response, then stop it (seconds, not
        a fraction: under a loaded machine the script task may wait that long
        for its turn)."""
        task = self.script_task
        if task is None or task.done():
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), 5)
        except (asyncio.TimeoutError, asyncio.CancelledError):
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass

    # -- handlers for charger-initiated CALLs --------------------------------

    @on(Action.boot_notification)
    @guarded
    async def on_boot_notification(self, **kwargs):
        self.entry["boot"] = self.current_payload
        if self.csms.command_script and self.id not in self.csms.scripted:
            # Once per charger id: the script ends with Reset, and a charger
            # that boots again must not be reset again.
            self.csms.scripted.add(self.id)
            self.script_task = asyncio.create_task(self.run_command_script())
        return call_result.BootNotification(
            current_time=now_iso(),
            interval=30,
            status=enums.RegistrationStatus.accepted,
        )

    @on(Action.heartbeat)
    @guarded
    async def on_heartbeat(self, **kwargs):
        return call_result.Heartbeat(current_time=now_iso())

    @on(Action.status_notification)
    @guarded
    async def on_status_notification(self, **kwargs):
        return call_result.StatusNotification()

    @on(Action.authorize)
    @guarded
    async def on_authorize(self, **kwargs):
        return call_result.Authorize(
            id_tag_info=datatypes.IdTagInfo(status=enums.AuthorizationStatus.accepted)
        )

    @on(Action.start_transaction)
    @guarded
    async def on_start_transaction(self, connector_id, id_tag, meter_start, **kwargs):
        self.csms.last_transaction_id += 1
        tx_id = self.csms.last_transaction_id
        tx = {
            "transactionId": tx_id,
            "connectorId": connector_id,
            "meterStart": meter_start,
            "meterStop": None,
            "idTag": id_tag,
            "stopReason": None,
        }
        self.entry["transactions"].append(tx)
        self.csms.transactions[tx_id] = (self.id, tx)
        return call_result.StartTransaction(
            transaction_id=tx_id,
            id_tag_info=datatypes.IdTagInfo(status=enums.AuthorizationStatus.accepted),
        )

    @on(Action.stop_transaction)
    @guarded
    async def on_stop_transaction(self, transaction_id, meter_stop, id_tag=None, reason=None, **kwargs):
        owner, tx = self.csms.transactions.get(transaction_id, (None, None))
        if tx is None:
            self.error(f"StopTransaction for unknown transactionId {transaction_id}")
        elif owner != self.id:
            self.error(f"StopTransaction for transactionId {transaction_id} of charger {owner}")
        elif tx["meterStop"] is not None:
            self.error(f"repeated StopTransaction for transactionId {transaction_id}")
        else:
            tx["meterStop"] = meter_stop
            tx["stopReason"] = reason
        if id_tag is None:
            return call_result.StopTransaction()
        return call_result.StopTransaction(
            id_tag_info=datatypes.IdTagInfo(status=enums.AuthorizationStatus.accepted)
        )

    @on(Action.meter_values)
    @guarded
    async def on_meter_values(self, **kwargs):
        return call_result.MeterValues()

    @on(Action.data_transfer)
    @guarded
    async def on_data_transfer(self, **kwargs):
        return call_result.DataTransfer(status=enums.DataTransferStatus.accepted)

    @on(Action.firmware_status_notification)
    @guarded
    async def on_firmware_status_notification(self, **kwargs):
        return call_result.FirmwareStatusNotification()

    @on(Action.diagnostics_status_notification)
    @guarded
    async def on_diagnostics_status_notification(self, **kwargs):
        return call_result.DiagnosticsStatusNotification()


# --- server ----------------------------------------------------------------


def charger_id_from_path(path):
    segments = [s for s in urllib.parse.urlsplit(path).path.split("/") if s]
    if not segments or segments == ["ocpp"]:
        return None
    return urllib.parse.unquote(segments[-1])


class CentralSystem:
    def __init__(self, report, command_script):
        self.report = report
        self.command_script = command_script
        self.scripted = set()
        self.last_transaction_id = 0
        self.transactions = {}
        self.sessions = set()

    def process_request(self, connection, request):
        if charger_id_from_path(request.path) is None:
            self.report.error(f"refused connection to {request.path!r}: no charge point id in path")
            return connection.respond(404, "no charge point id in path\n")
        offered = [
            p.strip()
            for header in request.headers.get_all("Sec-WebSocket-Protocol")
            for p in header.split(",")
            if p.strip()
        ]
        if SUBPROTOCOL not in offered:
            self.report.error(
                f"refused connection to {request.path!r}: subprotocol {SUBPROTOCOL} "
                f"not offered (offered: {offered})"
            )
            return connection.respond(400, f"subprotocol {SUBPROTOCOL} required\n")
        return None

    async def handle(self, connection):
        charger_id = charger_id_from_path(connection.request.path)
        session = ChargerSession(charger_id, connection, self)
        entry = session.entry
        # A charger that closed and reconnected at once may be here before the old
        # handler has run its cleanup: only a connection still open is a second one.
        if any(s.id == charger_id and s._connection.state is State.OPEN for s in self.sessions):
            session.error("second concurrent connection for this charger id")
        entry["connections"] += 1
        entry["connected"] = True
        self.report.write()
        self.sessions.add(session)
        try:
            await session.start()
        except ConnectionClosed:
            pass
        except Exception as exc:
            session.error(f"connection handler failed: {describe(exc)}")
        finally:
            self.sessions.discard(session)
            entry["connected"] = any(s.id == charger_id for s in self.sessions)
            await session.finish()
            self.report.write()


async def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = ephemeral")
    parser.add_argument("--report", required=True, help="JSON report file")
    parser.add_argument(
        "--command-script",
        action="store_true",
        help="after a charger's first BootNotification, send the scripted CSMS commands",
    )
    parser.add_argument("--verbose", action="store_true", help="log every OCPP message to stderr")
    args = parser.parse_args()

    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        stream=sys.stderr,
        format="csms: %(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:
        # The library logs every rejected CALL with a traceback; the report
        # has them already.
        logging.getLogger("ocpp").setLevel(logging.CRITICAL)

    report = Report(args.report)
    report.write()
    csms = CentralSystem(report, args.command_script)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    # A parent may start us with these signals blocked (Foundation's Process on Linux passes its thread's mask on).
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})

    async with serve(
        csms.handle,
        args.host,
        args.port,
        subprotocols=[SUBPROTOCOL],
        process_request=csms.process_request,
    ) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print(f"listening on port {port}", flush=True)
        await stop.wait()
        server.close()
        try:
            await asyncio.wait_for(server.wait_closed(), 5)
        except asyncio.TimeoutError:
            report.error("shutdown: connections did not close within 5 s")
    report.write()


if __name__ == "__main__":
    asyncio.run(main())
