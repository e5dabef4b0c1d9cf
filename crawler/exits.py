"""The exit codes of every ``policy-archive`` command, in one place (cron wrappers and scripts rely on them).

====  =====================================================================================================
code  meaning
====  =====================================================================================================
0     success, or nothing to do (a crawl outside every campaign window)
1     the run completed, but some documents or homepages could not be captured (or ``verify`` found problems)
2     the config file is invalid, or the command line is (a bad option value, a date that is no date)
3     another crawl holds the lock on this data directory
4     the disk filled up: the run stopped, what was archived before it is intact
5     not found: no such document or version, or no archive where the options point
====  =====================================================================================================

They live here, below ``commands/``, because a crawl run (``crawler/run.py``) returns them too and may
not import the command line; the README's table says the same.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_CONFIG = 2
EXIT_LOCKED = 3
EXIT_STORAGE_FULL = 4
# Not a configuration error (2), so a script can tell "you asked for something that is not there" from
# "the config is broken".
EXIT_NOT_FOUND = 5

MEANINGS = {
    EXIT_OK: "success, or nothing to do",
    EXIT_SOME_FAILED: "some documents could not be captured",
    EXIT_CONFIG: "invalid configuration or command line",
    EXIT_LOCKED: "another crawl is running on this data directory",
    EXIT_STORAGE_FULL: "the disk is full",
    EXIT_NOT_FOUND: "no such document or version, or no archive there",
}
