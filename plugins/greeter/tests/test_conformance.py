"""The greeter through its installed entry point, in process and isolated alike."""

from plughost.testing import PluginConformance, Sample


class TestGreeterConformance(PluginConformance):
    plugin = "greeter"
    samples = (
        Sample("greet", {"name": "Ada"}, "Hello, Ada!"),
        Sample("greet", {"name": "  Zoë ", "language": "fr"}, "Bonjour, Zoë\u202f!"),
        Sample("greet", {"name": "李雷", "language": "zh"}, "\u4f60\u597d\uff0c\u674e\u96f7\uff01"),
        Sample("greet", {"name": ""}, error="empty"),
        # The default_language setting, as a user's [plugins.greeter] table gives it.
        Sample(
            "greet", {"name": "Ada"}, "Bonjour, Ada\u202f!", settings={"default_language": "fr"}
        ),
        Sample(
            "greet",
            {"name": "Ada", "language": "de"},
            "Hallo, Ada!",
            settings={"default_language": "fr"},
        ),
    )
