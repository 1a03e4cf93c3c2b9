"""Fails while being imported."""

raise RuntimeError("the manage-broken fixture cannot be imported")
