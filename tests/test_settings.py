"""Drafts on disk (settings.py): what is written comes back, and a hand-edited file
gives no draft rather than a wrong one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from p2psocial.settings import DRAFTS_FILE, Draft, Drafts


def test_a_draft_comes_back_with_its_image_descriptions(tmp_path: Path) -> None:
    draft = Draft("look", "spoilers", None, ("/a.png", "/b.png"), ("a red square", ""))
    Drafts(tmp_path).put("post", draft)
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
