"""A module that two distributions install with different contents."""

OWNER = "plughost-fixture-verify-shared-a"
