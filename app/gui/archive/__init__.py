"""The Archive screen: table model, compare dialog, bundle and import actions."""
