print("ocpp-bench: pending")
