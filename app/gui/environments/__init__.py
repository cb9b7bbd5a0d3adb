"""The environments list and the dialogs that edit a profile and its rules."""
