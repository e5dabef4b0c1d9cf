"""Imported by the readers' fork server alone (``crawler.pipeline`` lists it first in the server's preload):
the fork server dies with the crawl that started it, and its readers with it (``archive.prepared``).

The kernel's parent-death signal follows the *thread* that started a process, so the pipeline starts the
fork server from the reactor's thread, which lives as long as the crawl."""

from archive.prepared import die_with_parent

die_with_parent()
