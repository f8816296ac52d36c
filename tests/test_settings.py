"""Drafts on disk (settings.py): what is written comes back, and a hand-edited file
gives no draft rather than a wrong one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from p2psocial.settings import DRAFTS_FILE, Draft, Drafts


def test_a_draft_comes_back_with_its_image_descriptions(tmp_path: Path) -> None:
    draft = Draft("look", "spoilers", None, ("/a.png", "/b.png"), ("a red square", ""))
    drafts = Drafts(tmp_path)
    assert drafts.put("post", draft)
    assert drafts.get("post") == draft  # kept at once
    drafts.save()  # written (a worker thread's job in the app)
    assert Drafts(tmp_path).get("post") == draft


def test_a_draft_written_before_descriptions_existed_has_none(tmp_path: Path) -> None:
    (tmp_path / DRAFTS_FILE).write_text(json.dumps(
        {"post": {"text": "old", "content_warning": "", "reply_to": None,
                  "images": ["/a.png"]}}))
    assert Drafts(tmp_path).get("post") == Draft("old", "", None, ("/a.png",), ())


@pytest.mark.parametrize("alts", ["a red square", [1], [None], {"0": "x"}])
def test_descriptions_of_the_wrong_type_drop_the_draft(tmp_path: Path, alts: object) -> None:
    (tmp_path / DRAFTS_FILE).write_text(json.dumps(
        {"post": {"text": "hi", "images": ["/a.png"], "alts": alts},
         "reply:x": {"text": "kept"}}))
    drafts = Drafts(tmp_path)
    assert drafts.keys() == ["reply:x"]
    assert drafts.get("post").empty


def test_a_json_file_writes_the_latest_value_once(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from p2psocial import settings

    written: list[object] = []
    monkeypatch.setattr(settings, "write_json", lambda path, value: written.append(value))
    file = settings.JsonFile(tmp_path / "x.json")
    file.write()
    assert written == []  # nothing waiting
    for value in ({"n": 1}, {"n": 2}, {"n": 3}):
        file.set(value)
    assert file.pending
    file.write()
    file.write()
    assert written == [{"n": 3}] and not file.pending


def test_a_failed_write_waits_for_the_next(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from p2psocial import settings

    file = settings.JsonFile(tmp_path / "missing" / "x.json")  # no such folder
    file.set({"n": 1})
    with pytest.raises(OSError):
        file.write()
    assert file.pending
    (tmp_path / "missing").mkdir()
    file.write()
    assert json.loads((tmp_path / "missing" / "x.json").read_text()) == {"n": 1}
