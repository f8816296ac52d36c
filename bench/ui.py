"""``ui``: the desktop app over a home of 100k entries (bench/demo.py builds it once).

- ``startup``: the real app as a subprocess (``python -m p2psocial --home H gui``,
  offscreen), from just before ``Popen`` to the moment it writes ``timeline_painted``
  to the file named by ``P2PSOCIAL_PROBE`` (target 1.5 s), and ``window_shown``.
  Best and median of ``--runs``; the app is then terminated.
- ``scroll``: in this process, the real home-timeline model and view (480 x 800,
  offscreen) scrolled down ``--steps`` times by a third of the viewport, one step due
  every frame (1/60 s), as wheel events come. A step is timed from the moment it is
  due to the end of a synchronous ``viewport().repaint()`` and of the Qt events that
  came in meanwhile (pages that arrived, their layout, Trio's steps), plus the wait
  for a page if the view has reached the end of what is loaded: what the reader
  feels. Between steps (``--between loop``, the default) the GUI thread runs Qt's
  event loop, as the app does between wheel events: answers from SQLite's thread and
  idle work are handled then, and whatever still runs when the next step is due
  delays it and is counted in it. ``--between sleep`` (how the first
  figures were taken) sleeps instead: nothing at all happens between steps, so every answer
  and all idle work wait for, and are counted in, a step. p50, p95, max (target p95
  16 ms), rows loaded, and RSS after scrolling (target 300 MB).
  ``reference_ms``: a fixed piece of Qt text layout timed before and after, in the
  same run, so that a slow machine can be told from slow code.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from . import common
from .demo import build_home, home_path
from .ingest import params

BENCH = "ui"
TARGET_STARTUP_S = 1.5
TARGET_STEP_P95_MS = 16.0
TARGET_RSS_MB = 300.0
FRAME_S = 1 / 60  # wheel events come at most this often


def startup(home: Path, runs: int) -> dict[str, Any]:
    shown: list[float] = []
    painted: list[float] = []
    for _run in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            probe = Path(tmp) / "probe.jsonl"
            env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "P2PSOCIAL_PROBE": str(probe)}
            start = time.time()
            app = subprocess.Popen([sys.executable, "-m", "p2psocial", "--home", str(home), "gui"],
                                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            try:
                events = _wait_for(probe, "timeline_painted", app, timeout=60)
            finally:
                app.terminate()
                try:
                    app.wait(10)
                except subprocess.TimeoutExpired:
                    app.kill()
                    app.wait()
        shown.append(events["window_shown"] - start)
        painted.append(events["timeline_painted"] - start)
    best = min(painted)
    return common.record(BENCH, "startup", s_best=round(best, 3),
                         s_median=round(statistics.median(painted), 3),
                         window_shown_s_median=round(statistics.median(shown), 3),
                         runs=runs, target_s=TARGET_STARTUP_S,
                         meets_target=best <= TARGET_STARTUP_S)


def _wait_for(probe: Path, event: str, app: subprocess.Popen[bytes],
              timeout: float) -> dict[str, float]:
    """The probe's events (name -> time) once ``event`` is among them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen: dict[str, float] = {}
        if probe.exists():
            for line in probe.read_text().splitlines():
                if line.strip():
                    item = json.loads(line)
                    seen.setdefault(item["event"], float(item["t"]))
        if event in seen:
            return seen
        if app.poll() is not None:
            err = app.stderr.read().decode(errors="replace") if app.stderr else ""
            raise RuntimeError(f"the app ended ({app.returncode}) before {event}: {err[-500:]}")
        time.sleep(0.01)  # polling a file another process writes: nothing to wait on
    raise TimeoutError(f"no {event} within {timeout} s")


def scroll(home: Path, steps: int, between: str = "loop") -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEvent, QEventLoop, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from p2psocial.home import Home
    from p2psocial.node import Node
    from p2psocial.ui.loop import TrioHost
    from p2psocial.ui.timeline import TimelineModel, TimelineView

    app = QApplication.instance() or QApplication([])
    host = TrioHost()
    host.start()
    node = Node.open(Home(home))

    def until(condition: Any, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError("the timeline did not answer")
            loop = QEventLoop()
            QTimer.singleShot(1, loop.quit)
            loop.exec()

    def idle_until(due: float) -> None:
        """Between wheel events: Qt's loop runs (``between == "loop"``) or the thread
        sleeps, until ``due`` (perf_counter) or as long after as what runs takes."""
        while (left := due - time.perf_counter()) > 0:
            if between == "sleep":
                time.sleep(left)
                continue
            loop = QEventLoop()
            timer = QTimer(singleShot=True, timerType=Qt.TimerType.PreciseTimer)
            timer.timeout.connect(loop.quit)
            timer.start(int(left * 1000))
            loop.exec()

    model = TimelineModel(host, node)
    view = TimelineView()
    try:
        view.resize(480, 800)
        view.setModel(model)
        model.start()
        view.show()
        until(lambda: model.rowCount() > 0 and not model.busy)
        reference_before = _reference_ms()
        bar = view.verticalScrollBar()
        times: list[float] = []
        due = time.perf_counter()
        for _step in range(steps):
            idle_until(due)
            start = due  # the wheel event came then; the reader waits from then on
            bar.setValue(bar.value() + view.viewport().height() // 3)
            view.viewport().repaint()
            app.processEvents()  # everything that came in meanwhile: pages, their layout
            if bar.value() >= bar.maximum():
                until(lambda: not model.loading)  # the reader waits for the page
                view.viewport().repaint()
            end = time.perf_counter()
            times.append((end - start) * 1000)
            due = max(due + FRAME_S, end)  # the next wheel event (none queue up)
        slowest = sorted(range(steps), key=lambda i: -times[i])[:5]
        common.progress("slowest steps: " + ", ".join(f"#{i} {times[i]:.1f} ms"
                                                       for i in slowest))
        reference_after = _reference_ms()
        rows = model.rowCount()
        model.stop()
        figures = {"ms_p50": round(common.percentile(times, 50), 2),
                   "ms_p95": round(common.percentile(times, 95), 2),
                   "ms_max": round(max(times), 2), "steps": steps, "between": between,
                   "rows_loaded": rows,
                   "rss_mb": common.rss_mb(), "peak_rss_mb": common.peak_rss_mb(),
                   "reference_ms": [reference_before, reference_after]}
    finally:
        host.stop()
        node.close()
        # widgets go before the QApplication does: left to the interpreter's exit, the
        # order is arbitrary and Qt can crash (a segfault after the figures are printed)
        view.setModel(None)
        view.deleteLater()
        model.deleteLater()
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    p95 = float(figures["ms_p95"])  # type: ignore[arg-type]
    rss = float(figures["rss_mb"])  # type: ignore[arg-type]
    return common.record(BENCH, "scroll", **figures, target_p95_ms=TARGET_STEP_P95_MS,
                         target_rss_mb=TARGET_RSS_MB,
                         meets_target=p95 <= TARGET_STEP_P95_MS and rss <= TARGET_RSS_MB)


def _reference_ms() -> float:
    """A fixed piece of Qt work (lay out 200 paragraphs as rich text): the same-run
    yardstick for the step times. Best of 5, in ms."""
    from PySide6.QtGui import QTextDocument

    text = "<p>" + " ".join(common.VOCAB[:60]) + ' <a href="x">#tag</a></p>'
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _i in range(200):
            doc = QTextDocument()
            doc.setHtml(text)
            doc.setTextWidth(400)
            doc.size()
        best = min(best, (time.perf_counter() - start) * 1000)
    return round(best, 2)


def main(argv: list[str] | None = None) -> int:
    parser = common.parser("bench.ui", __doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300, help="scroll steps (default: 300)")
    parser.add_argument("--runs", type=int, default=3, help="app start-ups (default: 3)")
    parser.add_argument("--only", choices=("startup", "scroll"), help="one of the two")
    parser.add_argument("--between", choices=("loop", "sleep"), default="loop",
                        help="scroll: what the GUI thread does between steps (default: "
                             "Qt's event loop; 'sleep': nothing, as the first "
                             "figures were taken)")
    args = parser.parse_args(argv)
    p = params(args.entries or 100_000, args.authors, args.follows, args.quick)
    home = build_home(home_path(args.out, p), p, args.processes)
    if args.only != "startup":
        common.emit(scroll(home, 60 if args.quick else args.steps, args.between))
    if args.only != "scroll":
        common.emit(startup(home, 1 if args.quick else args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
