"""The calculator through its installed entry point, in process and isolated alike."""

from plughost.testing import PluginConformance, Sample


class TestCalculatorConformance(PluginConformance):
    plugin = "calculator"
    samples = (
        Sample("evaluate", {"expression": "2 * (3 + 4) - 0.1"}, "13.9"),
        Sample("evaluate", {"expression": "0.1 + 0.2"}, "0.3"),
        Sample("add", {"a": 0.1, "b": 0.2}, 0.3),
        Sample("evaluate", {"expression": "1 / 0"}, error="division by zero"),
    )
