"""The Promote screen: pair picker, plan view and shaping, confirmation, run view."""
