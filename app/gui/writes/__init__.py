"""The window's one door for a write other than a promotion, and what it shows."""
