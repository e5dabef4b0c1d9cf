"""Reports for the rating team: coverage (and, later, changes)."""
