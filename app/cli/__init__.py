"""The `tracklens` command line: one module per subcommand, loaded lazily."""
