print("ocpp-bench: no benchmarks yet")
