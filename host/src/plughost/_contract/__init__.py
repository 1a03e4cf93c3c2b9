"""The contract: Plugin and command, the manifest, validation, argument checks."""
