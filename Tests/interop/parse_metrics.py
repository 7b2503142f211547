"""Parse Prometheus text exposition from stdin with the reference parser and print it as JSON.

    parse_metrics.py < metrics.txt

Output: {"families": [{"name", "type"}], "samples": [{"name", "labels", "value"}]}.
Any line the parser rejects raises, so a malformed exposition fails the test (exit status 1).
"""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families


def main() -> None:
    text = sys.stdin.read()
    families, samples = [], []
    for family in text_string_to_metric_families(text):
        families.append({"name": family.name, "type": family.type})
        for sample in family.samples:
            samples.append({"name": sample.name, "labels": dict(sample.labels), "value": sample.value})
    json.dump({"families": families, "samples": samples}, sys.stdout)


if __name__ == "__main__":
    main()
