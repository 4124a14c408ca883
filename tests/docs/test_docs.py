"""The documentation's code runs: every ```python block of a page, top to bottom, in one
namespace, with top-level await (as in `python -m asyncio`), in a fresh working folder."""

from __future__ import annotations

import ast
import re
import sys
import types
from pathlib import Path

import psycopg
import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
PAGES = sorted(p for p in DOCS.rglob("*.md") if BLOCK.search(p.read_text()))
DOCS_SCHEMA = "mink_docs"


def test_there_are_pages_with_code() -> None:
    """The collection below is not silently empty."""
    assert len(PAGES) >= 4


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
async def test_page_code_runs(
    page: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    """Each documentation page's examples run without error."""
    text = page.read_text()  # noqa: ASYNC240 - a small local file, read before any await
    if "PostgresEventStore.connect" in text:
        url: str = request.getfixturevalue("postgres_url")
        monkeypatch.setenv("MINK_DOCS_POSTGRES_URL", url)
        _drop_docs_schema(url)
        request.addfinalizer(lambda: _drop_docs_schema(url))
    if "RedisReadModelRepository.connect" in text:
        redis_url: str = request.getfixturevalue("redis_url")
        monkeypatch.setenv("MINK_DOCS_REDIS_URL", redis_url)
    monkeypatch.chdir(tmp_path)
    module = types.ModuleType(f"docs_{page.stem.replace('-', '_')}")
    monkeypatch.setitem(sys.modules, module.__name__, module)  # as a user's module would be
    namespace = module.__dict__
    for number, match in enumerate(BLOCK.finditer(text), start=1):
        source = match.group(1)
        line = text[: match.start()].count("\n") + 2
        code = compile(
            "\n" * (line - 1) + source,
            f"{page.relative_to(DOCS)} (block {number})",
            "exec",
            flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
            dont_inherit=True,
        )
        result = eval(code, namespace)
        if result is not None:
            await result


def _drop_docs_schema(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {DOCS_SCHEMA} CASCADE")
