"""Plans: one verb per file, decided before anything is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from mink_cli.errors import RefusedError
from mink_cli.scaffold import Rendered, Verb, apply_plan, ensure_import, make_plan


def verbs(root: Path, rendered: Rendered, **options: bool) -> dict[str, Verb]:
    return {c.path: c.verb for c in make_plan(root, rendered, **options).changes}


def test_missing_files_are_created_and_present_ones_identical(tmp_path: Path) -> None:
    """New paths are `create`; a file already holding the content is `identical`."""
    (tmp_path / "same.txt").write_text("same\n")
    rendered = Rendered(files={"new/a.txt": "a\n", "same.txt": "same\n"})
    assert verbs(tmp_path, rendered) == {"new/a.txt": Verb.CREATE, "same.txt": Verb.IDENTICAL}


def test_a_differing_file_is_a_conflict_an_overwrite_or_a_skip(tmp_path: Path) -> None:
    """Without a flag it conflicts; --force overwrites; --skip keeps it."""
    (tmp_path / "a.txt").write_text("mine\n")
    rendered = Rendered(files={"a.txt": "theirs\n"})
    assert verbs(tmp_path, rendered) == {"a.txt": Verb.CONFLICT}
    assert verbs(tmp_path, rendered, force=True) == {"a.txt": Verb.OVERWRITE}
    assert verbs(tmp_path, rendered, skip=True) == {"a.txt": Verb.SKIP}


def test_applying_with_a_conflict_writes_nothing(tmp_path: Path) -> None:
    """A plan with a conflict is refused as a whole, naming the way out."""
    (tmp_path / "a.txt").write_text("mine\n")
    plan = make_plan(tmp_path, Rendered(files={"a.txt": "theirs\n", "b.txt": "b\n"}))
    with pytest.raises(RefusedError, match="--force") as raised:
        apply_plan(plan)
    assert raised.value.exit_code == 5
    assert not (tmp_path / "b.txt").exists()


def test_applying_writes_creates_and_overwrites_but_not_skips(tmp_path: Path) -> None:
    """Only create, update and overwrite touch the disk."""
    (tmp_path / "keep.txt").write_text("mine\n")
    plan = make_plan(tmp_path, Rendered(files={"keep.txt": "x\n", "new.txt": "n\n"}), skip=True)
    written = apply_plan(plan)
    assert [c.path for c in written] == ["new.txt"]
    assert (tmp_path / "keep.txt").read_text() == "mine\n"


def test_a_conflict_shows_a_unified_diff(tmp_path: Path) -> None:
    """The diff of a conflict goes from what is there to what would be written."""
    (tmp_path / "a.txt").write_text("one\ntwo\n")
    [change] = make_plan(tmp_path, Rendered(files={"a.txt": "one\nthree\n"})).changes
    assert "-two\n+three\n" in change.diff()
    assert change.diff().startswith("--- a/a.txt\n+++ b/a.txt\n")


def test_an_edit_updates_an_existing_file_and_never_conflicts(tmp_path: Path) -> None:
    """A registration edit is an `update`, and `identical` once it is there."""
    (tmp_path / "reg.py").write_text('"""Doc."""\n\nfrom app.a import A as A\n')
    edit = ensure_import("from app.b import B as B", "Doc.")
    rendered = Rendered(edits={"reg.py": (edit,)})
    [change] = make_plan(tmp_path, rendered).changes
    assert change.verb is Verb.UPDATE
    apply_plan(make_plan(tmp_path, rendered))
    assert (tmp_path / "reg.py").read_text().splitlines()[-2:] == [
        "from app.a import A as A",
        "from app.b import B as B",
    ]
    assert verbs(tmp_path, rendered) == {"reg.py": Verb.IDENTICAL}


def test_an_edit_keeps_imports_sorted_and_creates_a_missing_module(tmp_path: Path) -> None:
    """Registrations land in sorted order; a missing module is made with its docstring."""
    edit_z = ensure_import("from app.z import Z as Z", "Registrations.")
    edit_a = ensure_import("from app.a import A as A", "Registrations.")
    text = edit_a(edit_z(None))
    assert text == '"""Registrations."""\n\nfrom app.a import A as A\nfrom app.z import Z as Z\n'


def test_edits_apply_on_top_of_a_file_rendered_in_the_same_plan(tmp_path: Path) -> None:
    """A file the plan creates already carries the edits of the same plan."""
    rendered = Rendered(files={"r.py": '"""R."""\n\nfrom a import x as x\n'}) | Rendered(
        edits={"r.py": (ensure_import("from b import y as y", "R."),)}
    )
    [change] = make_plan(tmp_path, rendered).changes
    assert change.verb is Verb.CREATE
    assert change.content.endswith("from a import x as x\nfrom b import y as y\n")
