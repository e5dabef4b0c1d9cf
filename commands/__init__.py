"""The command line: one module per command group, each parsing its options and calling the rooms below."""
