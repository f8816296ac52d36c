"""The app's icons and identity, shipped as ``p2psocial.assets`` (see assets/README.md).

This directory lives at the top of the source tree so that packagers find it; the
``package-dir`` setting in pyproject.toml installs it inside the package, and
``p2psocial.ui.icons`` reads it with ``importlib.resources`` either way.
"""
