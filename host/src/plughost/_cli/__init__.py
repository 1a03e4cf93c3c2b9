"""The console script: parsing, the commands, output."""
