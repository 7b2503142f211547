#!/usr/bin/env python3
"""An independent OCPP 1.6J charge point for interop tests of ocpp-serve.

Built only on PyPI's `ocpp` (mobilityhouse, schema validation on) and `websockets`, so it shares no code with
ocpp-tools. It connects to URL/ID, runs one charging session (BootNotification, Heartbeat, StatusNotification,
Authorize, StartTransaction, three MeterValues, StopTransaction), prints `session done` on stdout, then answers
the central system's commands (Reset, GetConfiguration) until it has answered a Reset or `--wait` seconds pass.
Finally it prints one JSON line: the answers it received, the commands it served and the register readings it sent.

    charger.py --url ws://127.0.0.1:PORT/ocpp --id PYCP1 [--wait 20]
               [--meter-start WH --meter-stop WH --register VALUE:UNIT ...]
               [--password P] [--ca CA.pem] [--cert CERT.pem --key KEY.pem]

Security profiles: --password sends HTTP Basic (user = id; profiles 1 and 2); a wss:// URL uses an ssl.SSLContext
that trusts --ca (TLS 1.2 at least, hostname checked) and, with --cert/--key, presents a client certificate
(profile 3). The final JSON line then also carries the negotiated TLS version and cipher.

With --register (repeatable, e.g. 150011320:Wh or 150011.44:kWh) the session sends exactly those register readings,
one MeterValues each, a minute apart ending now, between StartTransaction (meterStart) and StopTransaction (meterStop).
"""
import argparse
import asyncio
import base64
import datetime
import json
import ssl
import sys

from websockets.asyncio.client import connect

from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result, datatypes, enums
from ocpp.v16.enums import Action


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def now_iso():
    return iso(datetime.datetime.now(datetime.timezone.utc))


class PythonCharger(ChargePoint):
    def __init__(self, charger_id, connection, meter_start=1000, meter_stop=2500, registers=None):
        super().__init__(charger_id, connection)
        self.served = []
        self.meter_start = meter_start
        self.meter_stop = meter_stop
        self.registers = registers  # [(value text, unit)] or None for the default three samples
        self.sent = []  # register readings as put on the wire: timestamp, value text, unit
        self.reset_done = asyncio.Event()

    @on(Action.reset)
    async def on_reset(self, type, **kwargs):
        self.served.append({"action": "Reset", "type": type})
        self.reset_done.set()
        return call_result.Reset(status=enums.ResetStatus.accepted)

    @on(Action.get_configuration)
    async def on_get_configuration(self, key=None, **kwargs):
        self.served.append({"action": "GetConfiguration"})
        return call_result.GetConfiguration(
            configuration_key=[{"key": "MeterValueSampleInterval", "readonly": False, "value": "60"}]
        )

    async def session(self):
        answers = {}
        boot = await self.call(call.BootNotification(charge_point_model="PyModel", charge_point_vendor="PyVendor"))
        answers["boot"] = {"status": boot.status, "interval": boot.interval, "currentTime": boot.current_time}
        beat = await self.call(call.Heartbeat())
        answers["heartbeat"] = beat.current_time
        await self.call(call.StatusNotification(
            connector_id=1, error_code=enums.ChargePointErrorCode.no_error, status=enums.ChargePointStatus.preparing))
        auth = await self.call(call.Authorize(id_tag="PYTAG"))
        answers["authorize"] = auth.id_tag_info["status"]
        if self.registers is not None:
            return await self.audited_session(answers)
        start = await self.call(call.StartTransaction(connector_id=1, id_tag="PYTAG", meter_start=self.meter_start, timestamp=now_iso()))
        answers["start"] = {"transactionId": start.transaction_id, "status": start.id_tag_info["status"]}
        for i in range(3):
            sampled = [
                datatypes.SampledValue(value=str(1000 + 500 * (i + 1)), measurand=enums.Measurand.energy_active_import_register,
                                       unit=enums.UnitOfMeasure.wh, context=enums.ReadingContext.sample_periodic),
                datatypes.SampledValue(value="7.2", measurand=enums.Measurand.power_active_import, unit=enums.UnitOfMeasure.kw),
                datatypes.SampledValue(value=str(40 + i), measurand=enums.Measurand.soc, unit=enums.UnitOfMeasure.percent,
                                       location=enums.Location.ev),
            ]
            timestamp = now_iso()
            await self.call(call.MeterValues(connector_id=1, transaction_id=start.transaction_id,
                                             meter_value=[datatypes.MeterValue(timestamp=timestamp, sampled_value=sampled)]))
            self.sent.append({"timestamp": timestamp, "value": sampled[0].value, "unit": "Wh"})
        answers["meterValues"] = 3
        stop = await self.call(call.StopTransaction(meter_stop=self.meter_stop, timestamp=now_iso(), transaction_id=start.transaction_id,
                                                    reason=enums.Reason.local, id_tag="PYTAG"))
        answers["stop"] = stop.id_tag_info["status"] if stop.id_tag_info else None
        return answers

    async def audited_session(self, answers):
        """Start, one MeterValues per given register reading a minute apart (explicit timestamps, so no two share a
        millisecond), stop; the readings are recorded in `sent` exactly as written on the wire."""
        count = len(self.registers)
        base = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=count + 1)
        start = await self.call(call.StartTransaction(connector_id=1, id_tag="PYTAG", meter_start=self.meter_start, timestamp=iso(base)))
        answers["start"] = {"transactionId": start.transaction_id, "status": start.id_tag_info["status"]}
        for i, (value, unit) in enumerate(self.registers):
            timestamp = iso(base + datetime.timedelta(minutes=i + 1))
            sampled = [datatypes.SampledValue(value=value, measurand=enums.Measurand.energy_active_import_register,
                                              unit=enums.UnitOfMeasure(unit), context=enums.ReadingContext.sample_periodic)]
            await self.call(call.MeterValues(connector_id=1, transaction_id=start.transaction_id,
                                             meter_value=[datatypes.MeterValue(timestamp=timestamp, sampled_value=sampled)]))
            self.sent.append({"timestamp": timestamp, "value": value, "unit": unit})
        answers["meterValues"] = count
        stop = await self.call(call.StopTransaction(meter_stop=self.meter_stop, timestamp=iso(base + datetime.timedelta(minutes=count + 1)),
                                                    transaction_id=start.transaction_id, reason=enums.Reason.local, id_tag="PYTAG"))
        answers["stop"] = stop.id_tag_info["status"] if stop.id_tag_info else None
        return answers


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--id", required=True)
    parser.add_argument("--wait", type=float, default=20)
    parser.add_argument("--meter-start", type=int, default=1000)
    parser.add_argument("--meter-stop", type=int, default=2500)
    parser.add_argument("--register", action="append", metavar="VALUE:UNIT", help="a register reading to send, e.g. 150011.44:kWh")
    parser.add_argument("--password", help="HTTP Basic password (security profiles 1 and 2)")
    parser.add_argument("--ca", help="PEM CA to trust for the server certificate (wss://)")
    parser.add_argument("--cert", help="PEM client certificate (security profile 3)")
    parser.add_argument("--key", help="PEM key of --cert")
    args = parser.parse_args()
    registers = [tuple(item.rsplit(":", 1)) for item in args.register] if args.register else None
    options = {}
    if args.password is not None:
        token = base64.b64encode(f"{args.id}:{args.password}".encode()).decode()
        options["additional_headers"] = {"Authorization": f"Basic {token}"}
    if args.url.startswith("wss://"):
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=args.ca)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        if args.cert:
            context.load_cert_chain(args.cert, args.key)
        options["ssl"] = context
    tls = None
    async with connect(f"{args.url}/{args.id}", subprotocols=["ocpp1.6"], **options) as ws:
        secured = ws.transport.get_extra_info("ssl_object")
        if secured is not None:
            tls = {"version": secured.version(), "cipher": secured.cipher()[0]}
        charger = PythonCharger(args.id, ws, args.meter_start, args.meter_stop, registers)
        listener = asyncio.create_task(charger.start())
        answers = await charger.session()
        print("session done", flush=True)
        try:
            await asyncio.wait_for(charger.reset_done.wait(), timeout=args.wait)
        except asyncio.TimeoutError:
            pass
        await asyncio.sleep(0.2)  # let the Reset answer leave before closing
        listener.cancel()
    print(json.dumps({"subprotocol": ws.subprotocol, "answers": answers, "served": charger.served, "meterStart": args.meter_start,
                      "meterStop": args.meter_stop, "sent": charger.sent, "tls": tls}), flush=True)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except Exception as error:  # one line on stderr, exit 1: the test shows it
        print(f"charger.py: {type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)
