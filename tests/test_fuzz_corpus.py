"""The fuzz corpus replayed (tests/fuzz/): every committed input through its target, in
``make test``, so that a decoder that starts to crash on an input fuzzing once found,
or on a valid encoding, fails here. Fast (a few hundred inputs) and deterministic;
``make fuzz`` is where new inputs are searched for."""

from __future__ import annotations

import pytest

from tests.fuzz.__main__ import CORPUS, corpus_of
from tests.fuzz.seeds import SEEDS, name_of
from tests.fuzz.targets import TARGETS, check


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_every_committed_input_is_taken_or_refused_never_a_crash(name: str) -> None:
    inputs = corpus_of(name)
    assert inputs, f"tests/fuzz/corpus/{name}/ is empty: python -m tests.fuzz seed"
    taken = [check(TARGETS[name], path.read_bytes()) for path in inputs]
    assert any(taken), f"no input of {name} reaches past its decoder: a broken target?"


def test_every_corpus_folder_has_a_target_and_every_target_its_seeds() -> None:
    assert {p.name for p in CORPUS.iterdir() if p.is_dir()} == set(TARGETS)
    for name, make in SEEDS.items():
        held = {p.name for p in corpus_of(name)}
        missing = [name_of(data) for data in make() if name_of(data) not in held]
        assert not missing, f"{name}: seeds not in the corpus: python -m tests.fuzz seed"


def test_corpus_files_are_named_by_their_content() -> None:
    """libFuzzer names inputs by their SHA-1, so a file's name says it is that input,
    and merging corpora never duplicates one."""
    for name in TARGETS:
        for path in corpus_of(name):
            # a crash, timeout or oom found by make fuzz: crash-<sha1>, timeout-<sha1>...
            assert path.name.rsplit("-", 1)[-1] == name_of(path.read_bytes()), path
