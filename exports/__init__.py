"""What leaves the archive as evidence: WARC files and dispute packages."""
