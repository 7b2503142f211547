#!/usr/bin/env python3
"""An independent OCPP 1.6J charge point for interop tests of ocpp-serve.

Built only on PyPI's `ocpp` (mobilityhouse, schema validation on) and `websockets`, so it shares no code with
ocpp-tools. It connects to URL/ID, runs one charging session (BootNotification, Heartbeat, StatusNotification,
Authorize, StartTransaction, three MeterValues, StopTransaction), prints `session done` on stdout, then answers
the central system's commands (Reset, GetConfiguration) until it has answered a Reset or `--wait` seconds pass.
Finally it prints one JSON line: the answers it received and the commands it served.

    charger.py --url ws://127.0.0.1:PORT/ocpp --id PYCP1 [--wait 20]
"""
import argparse
import asyncio
import datetime
import json
import sys

from websockets.asyncio.client import connect

from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result, datatypes, enums
from ocpp.v16.enums import Action


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class PythonCharger(ChargePoint):
    def __init__(self, charger_id, connection):
        super().__init__(charger_id, connection)
        self.served = []
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
        start = await self.call(call.StartTransaction(connector_id=1, id_tag="PYTAG", meter_start=1000, timestamp=now_iso()))
        answers["start"] = {"transactionId": start.transaction_id, "status": start.id_tag_info["status"]}
        for i in range(3):
            sampled = [
                datatypes.SampledValue(value=str(1000 + 500 * (i + 1)), measurand=enums.Measurand.energy_active_import_register,
                                       unit=enums.UnitOfMeasure.wh, context=enums.ReadingContext.sample_periodic),
                datatypes.SampledValue(value="7.2", measurand=enums.Measurand.power_active_import, unit=enums.UnitOfMeasure.kw),
                datatypes.SampledValue(value=str(40 + i), measurand=enums.Measurand.soc, unit=enums.UnitOfMeasure.percent,
                                       location=enums.Location.ev),
            ]
            await self.call(call.MeterValues(connector_id=1, transaction_id=start.transaction_id,
                                             meter_value=[datatypes.MeterValue(timestamp=now_iso(), sampled_value=sampled)]))
        answers["meterValues"] = 3
        stop = await self.call(call.StopTransaction(meter_stop=2500, timestamp=now_iso(), transaction_id=start.transaction_id,
                                                    reason=enums.Reason.local, id_tag="PYTAG"))
        answers["stop"] = stop.id_tag_info["status"] if stop.id_tag_info else None
        return answers


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--id", required=True)
    parser.add_argument("--wait", type=float, default=20)
    args = parser.parse_args()
    async with connect(f"{args.url}/{args.id}", subprotocols=["ocpp1.6"]) as ws:
        charger = PythonCharger(args.id, ws)
        listener = asyncio.create_task(charger.start())
        answers = await charger.session()
        print("session done", flush=True)
        try:
            await asyncio.wait_for(charger.reset_done.wait(), timeout=args.wait)
        except asyncio.TimeoutError:
            pass
        await asyncio.sleep(0.2)  # let the Reset answer leave before closing
        listener.cancel()
    print(json.dumps({"subprotocol": ws.subprotocol, "answers": answers, "served": charger.served}), flush=True)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except Exception as error:  # one line on stderr, exit 1: the test shows it
        print(f"charger.py: {type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)
