"""Benchmarks for p2psocial: ``python -m bench [primitives|ingest|queries] [options]``.

Each benchmark runs in its own process and prints one JSON object per line on stdout
(progress goes to stderr). The machine is shared and noisy, so every benchmark also
reports ratios between figures measured in the same run. See bench/README.md.
"""
