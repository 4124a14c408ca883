"""mink's version, read without importing the runtime (which loads its adapters) or Typer."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

__all__ = ["version"]


def version() -> str:
    """mink's version, from `mink_runtime/_version.py`, read as text."""
    spec = find_spec("mink_runtime")
    assert spec is not None, "mink_runtime is installed with mink"
    assert spec.origin is not None
    namespace: dict[str, str] = {}
    source = (Path(spec.origin).parent / "_version.py").read_text(encoding="utf-8")
    exec(compile(source, "_version.py", "exec"), namespace)
    return namespace["__version__"]
