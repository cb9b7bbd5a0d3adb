"""A local server that speaks the Backand management API, quirks included (no Qt)."""
