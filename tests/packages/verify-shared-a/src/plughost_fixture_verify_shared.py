"""The same module, byte for byte, in two distributions."""


def shared_word() -> str:
    """A word both distributions agree on."""
    return "shared"
