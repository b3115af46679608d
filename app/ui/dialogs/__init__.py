"""Dialogs of the main window (connect, about)."""
