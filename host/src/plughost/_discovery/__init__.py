"""Discovery: the plugins' entry points and distributions, the index, states, records."""
