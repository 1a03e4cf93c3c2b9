"""The entry point loads a function."""


def FixturePlugin() -> str:
    """Not a class at all."""
    return "surprise"
