"""The keys of a plugin's config section that plughost reads itself.

The rest of ``[plugins.NAME]`` are the plugin's own settings, so no plugin
may declare a setting of these names. The contract refuses such a
declaration and the policy leaves these keys out of a plugin's settings;
both read this one set, which imports nothing.
"""

__all__ = ["HOST_PLUGIN_KEYS"]

#: The keys of ``[plugins.NAME]`` that are plughost's, not the plugin's.
HOST_PLUGIN_KEYS = frozenset(
    {
        "distribution",
        "enabled",
        "isolate",
        "python",
        "command",
        "runtime",
        "timeout",
        "start_timeout",
    }
)
