"""Coverage-guided fuzzing of every decoder that reads what a peer (or a pasted code, a
backup file from elsewhere) hands us; issue 12, "keep it so".

Theory of operation.

* ``targets.py`` holds ``TARGETS``: a name, a function of one ``bytes`` input that
  drives a decoder the way the code that receives such bytes does, and the errors
  that decoder is documented to raise (its typed refusals). Anything else escaping a
  target is a crash: in a peer's hands it would be a traceback in a session, a dead
  scan or a failed command instead of "drop the frame, lower the standing".
  Adding a decoder is one line in ``TARGETS`` (and its seeds in ``seeds.py``).
* ``corpus/<target>/`` holds each target's inputs, named by their SHA-1: valid
  encodings made by ``seeds.py`` (``python -m tests.fuzz seed``) and the interesting
  cases fuzzing found. ``make test`` replays them all through their targets
  (``tests/test_fuzz_corpus.py``): fast, deterministic, so a regression fails CI.
* ``make fuzz`` (``python -m tests.fuzz run``) runs atheris (libFuzzer for Python;
  an optional extra, installed by that target only) on each target in its own
  process for ``FUZZ_SECONDS``, with the p2psocial package instrumented for
  coverage. New inputs go to ``build/fuzz/<target>/`` (not committed); a crash is
  saved as ``corpus/<target>/crash-<sha1>`` (so the replay fails until the bug is
  fixed, and keeps it fixed) and fails the run. It prints executions, coverage and
  new inputs per target. ``python -m tests.fuzz merge`` then adds to the committed
  corpus the few inputs of those runs that reach code the corpus does not reach yet
  (libFuzzer's ``-merge=1``).
"""
