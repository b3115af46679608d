"""Package data (icons, styles), always loaded through importlib.resources so frozen builds work."""
