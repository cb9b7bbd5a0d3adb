"""The promotion engine: plan, promote, roll back, restore; archive and history (no Qt)."""
