"""Database URLs: which backend a URL names, and how to show one without its password."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from mink_runtime.errors import ConfigurationError

__all__ = ["backend_of", "redact_url"]


def redact_url(url: str) -> str:
    """The URL with any password replaced by `***`, safe to print or log."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable database URL>"
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}{port}"))


def backend_of(url: str) -> str:
    """`"postgresql"` or `"sqlite"` for a database URL.

    Raises:
        ConfigurationError: the URL names neither.
    """
    scheme = url.partition("://")[0].split("+")[0]
    if scheme in ("postgresql", "postgres"):
        return "postgresql"
    if scheme == "sqlite":
        return "sqlite"
    raise ConfigurationError(
        f"unsupported database URL {redact_url(url)!r}: use postgresql://user@host/db "
        "or sqlite:///path/to/app.db"
    )
