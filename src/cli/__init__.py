"""The command line: `frispor` and its subcommands."""
