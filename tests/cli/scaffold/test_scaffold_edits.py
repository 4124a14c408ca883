"""Edits of shared files: imports where isort puts them, list entries, aggregate methods."""

from __future__ import annotations

import pytest

from mink_cli.errors import ProjectError
from mink_cli.scaffold import (
    attributes_of,
    ensure_apply,
    ensure_import,
    ensure_listed,
    ensure_method,
)

MODULE = """\"\"\"M.\"\"\"

from __future__ import annotations

from decimal import Decimal

from mink_runtime import Aggregate

from shop.registry import registry
"""


def test_a_first_party_import_joins_the_projects_block_sorted() -> None:
    """`from shop.a import A` lands in the block of shop's imports, before shop.registry."""
    text = ensure_import("from shop.a import A", "", first_party="shop")(MODULE)
    assert text.endswith("from shop.a import A\nfrom shop.registry import registry\n")


def test_a_standard_library_import_joins_its_block() -> None:
    """`from uuid import UUID` lands after `from decimal import Decimal`."""
    text = ensure_import("from uuid import UUID", "", first_party="shop")(MODULE)
    assert "from decimal import Decimal\nfrom uuid import UUID\n\nfrom mink_runtime" in text


def test_names_from_an_imported_module_join_its_line() -> None:
    """`from decimal import ROUND_UP` and an existing Decimal import become one line."""
    text = ensure_import("from decimal import ROUND_UP", "", first_party="shop")(MODULE)
    assert "from decimal import ROUND_UP, Decimal\n" in text
    assert ensure_import("from decimal import Decimal", "")(MODULE) == MODULE


def test_a_missing_section_gets_a_block_in_isort_order() -> None:
    """A first standard-library import goes between __future__ and the third-party block."""
    module = MODULE.replace("from decimal import Decimal\n\n", "")
    text = ensure_import("from uuid import UUID", "", first_party="shop")(module)
    assert "annotations\n\nfrom uuid import UUID\n\nfrom mink_runtime" in text


def test_list_entries_are_added_sorted_once() -> None:
    """The first entry opens an empty list; later ones are sorted in; repeats change nothing."""
    edit_b = ensure_listed("ITEMS", "b.register", path="m.py", template="")
    edit_a = ensure_listed("ITEMS", "a.register", path="m.py", template="")
    text = edit_a(edit_b("ITEMS: list[X] = []\n"))
    assert text == "ITEMS: list[X] = [\n    a.register,\n    b.register,\n]\n"
    assert edit_a(text) == text


def test_a_module_of_only_a_docstring_starts_from_the_template() -> None:
    """A project's old commands module (a docstring) is replaced by the one with the list."""
    edit = ensure_listed("ITEMS", "a.register", path="m.py", template="ITEMS: list[X] = []\n")
    assert edit('"""Old."""\n') == "ITEMS: list[X] = [\n    a.register,\n]\n"


def test_a_list_that_is_not_there_is_a_project_error() -> None:
    """No `ITEMS = [...]`: the error says what to add by hand."""
    edit = ensure_listed("ITEMS", "a.register", path="m.py", template="")
    with pytest.raises(ProjectError, match="ITEMS"):
        edit('"""M."""\n\nX = 1\n')


AGGREGATE = """class Order(Aggregate):
    def __init__(self, id: str) -> None:
        self.total: Decimal | None = None

    # State changes: one @apply method per event.

    @apply
    def _created(self, event: Created) -> None:
        self.created = True
"""


def test_a_method_goes_before_the_state_changes_and_only_once() -> None:
    """The decide method lands before the marker; a method of that name already is kept."""
    edit = ensure_method(
        "Order",
        "ship",
        ["    def ship(self) -> None:", "        pass"],
        path="a.py",
        marker="# State changes: one @apply method per event.",
    )
    text = edit(AGGREGATE)
    assert "        pass\n\n    # State changes" in text
    assert edit(text) == text


def test_an_apply_method_is_appended_to_the_class() -> None:
    """The @apply method ends the class; a module that does not end in a class refuses."""
    edit = ensure_apply(
        "Order", "_shipped", ["    @apply", "    def _shipped(self): ..."], path="a"
    )
    assert edit(AGGREGATE).endswith(
        "self.created = True\n\n    @apply\n    def _shipped(self): ...\n"
    )
    with pytest.raises(ProjectError, match="by hand"):
        edit(AGGREGATE + "\nX = 1\n")


def test_attributes_are_read_with_their_types() -> None:
    """`self.total: Decimal | None = None` declares total."""
    assert attributes_of(AGGREGATE) == {"total": "Decimal | None"}
