"""The researchers\x27 web UI: read-only, server-rendered pages over the archive (Starlette + Jinja2)."""
