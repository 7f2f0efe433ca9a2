"""One module per sub-command (see capcheck.cli.COMMANDS)."""
