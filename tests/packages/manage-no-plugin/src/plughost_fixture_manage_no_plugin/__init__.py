"""Not a plugin: no entry point in the plughost.plugins group."""

VERSION = "1.0.0"
