from capcheck.cli import entry

entry()
