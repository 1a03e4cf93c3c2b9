"""Policy: the user's configuration, and what it decides before any import."""
