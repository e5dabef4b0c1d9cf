"""``policy-archive schedule``: a ready crontab line, or a systemd timer and service, for this config.

The crawl decides for itself whether today is inside a campaign's archive window (outside, it says
so and exits 0), so a daily schedule all year round is right: nobody has to remember May.
The lines use absolute paths (cron starts in $HOME with a bare PATH) and append everything the run
prints to ``DATA/logs/crawl.log``; under cron the crawl logs plain lines, not a progress bar.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _command(config: Path, data_dir: Path) -> list[str]:
    script = Path(sys.executable).with_name("policy-archive")
    program = [str(script)] if script.exists() else [sys.executable, "-m", "commands.cli"]
    return [*program, "--config", str(config.resolve()), "--data-dir", str(data_dir.resolve()), "crawl"]


def _environment() -> dict[str, str]:
    """What the scheduled run needs from this shell: the database URL, when not the default SQLite."""
    return {k: os.environ[k] for k in ("POLICY_ARCHIVE_DB",) if os.environ.get(k)}


def crontab(config: Path, data_dir: Path, hour: int, minute: int) -> str:
    log = data_dir.resolve() / "logs" / "crawl.log"
    env = "".join(f"{k}={shlex.quote(v)} " for k, v in _environment().items())
    run = " ".join(shlex.quote(part) for part in _command(config, data_dir))
    return (f"# policy-archive: crawl every day at {hour:02d}:{minute:02d}; outside the campaign windows it "
            f"only logs that it has nothing to do.\n"
            f"{minute} {hour} * * * mkdir -p {shlex.quote(str(log.parent))} && cd {shlex.quote(str(REPO))} && "
            f"{env}{run} >> {shlex.quote(str(log))} 2>&1\n")


def systemd(config: Path, data_dir: Path, hour: int, minute: int) -> str:
    log = data_dir.resolve() / "logs" / "crawl.log"
    env = "".join(f"Environment={shlex.quote(f'{k}={v}')}\n" for k, v in _environment().items())
    run = " ".join(shlex.quote(part) for part in _command(config, data_dir))
    return f"""# ~/.config/systemd/user/policy-archive.service (or /etc/systemd/system/ as root)
[Unit]
Description=policy-archive: crawl and archive the companies' policy documents
After=network-online.target
Wants=network-online.target

[Service]
Type=oneshot
WorkingDirectory={REPO}
{env}ExecStartPre=/bin/mkdir -p {log.parent}
ExecStart={run}
StandardOutput=append:{log}
StandardError=append:{log}
# exit 1 = some documents failed: the run itself worked
SuccessExitStatus=1

# ~/.config/systemd/user/policy-archive.timer
[Unit]
Description=policy-archive daily crawl

[Timer]
OnCalendar=*-*-* {hour:02d}:{minute:02d}:00
# a machine that was off at that time crawls when it comes back
Persistent=true
RandomizedDelaySec=10min

[Install]
WantedBy=timers.target

# then: systemctl --user daemon-reload && systemctl --user enable --now policy-archive.timer
"""
