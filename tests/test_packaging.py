"""The installers' metadata and recipes (packaging/), checked without building anything.

The desktop entry and the AppStream metainfo go through the validators packagers use
(desktop-file-validate, appstreamcli). Where those tools are missing the checks skip,
except in CI (``CI`` set), which installs them (.ci/run): there a missing tool fails.
The rest holds the pieces together: one application id everywhere, the newest release
is the package's version, screenshots and icons exist at the sizes they claim, every
runtime dependency is pinned for the bundles, and the Flatpak asks for no more than
it needs. Building the bundle and the .deb is `make package` / `make package-test`.
"""

from __future__ import annotations

import configparser
import json
import os
import re
import shutil
import struct
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import p2psocial
from p2psocial.ui.app import TITLE

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
APP_ID = "org.p2psocial.p2psocial"
DESKTOP = PACKAGING / "linux" / f"{APP_ID}.desktop"
METAINFO = PACKAGING / "linux" / f"{APP_ID}.metainfo.xml"
FLATPAK = PACKAGING / "flatpak" / f"{APP_ID}.json"
ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is missing in CI (.ci/run installs desktop-file-utils "
                        "and appstream)")
        pytest.skip(f"{name} is not installed (Debian: apt install desktop-file-utils "
                    "appstream)")
    return path


def validate(*command: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n" and header[12:16] == b"IHDR", path
    width, height = struct.unpack(">II", header[16:24])
    return width, height


# --- the validators ------------------------------------------------------------------

def test_desktop_entry_validates() -> None:
    validate(tool("desktop-file-validate"), str(DESKTOP))


def test_metainfo_validates() -> None:
    validate(tool("appstreamcli"), "validate", "--no-net", "--pedantic", str(METAINFO))


def test_installed_tree_validates(tmp_path: Path) -> None:
    """The layout the .deb installs: entry, metainfo and icons found together."""
    appstreamcli = tool("appstreamcli")
    share = tmp_path / "usr" / "share"
    for target, source in [(share / "applications" / DESKTOP.name, DESKTOP),
                           (share / "metainfo" / METAINFO.name, METAINFO),
                           (share / "icons/hicolor/scalable/apps" / f"{APP_ID}.svg",
                            ROOT / "assets" / "p2psocial.svg"),
                           *[(share / f"icons/hicolor/{n}x{n}/apps/{APP_ID}.png",
                              ROOT / f"assets/app-icon/p2psocial-{n}.png")
                             for n in ICON_SIZES]]:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    validate(appstreamcli, "validate-tree", "--no-net", "--pedantic", str(tmp_path))


def test_packaging_scripts_parse() -> None:
    scripts = [*PACKAGING.glob("*.sh"), *PACKAGING.glob("deb/*.sh"),
               *(PACKAGING / "deb" / name for name in ("postinst", "prerm", "postrm"))]
    assert len(scripts) >= 8
    for script in scripts:
        shell = "sh" if script.parent.name == "deb" and script.suffix != ".sh" else "bash"
        validate(shell, "-n", str(script))


# --- one application, described the same way everywhere --------------------------------

def test_desktop_entry_names_the_app() -> None:
    entry = desktop_entry()
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert entry["Exec"].split()[0] in scripts
    assert entry["TryExec"] == entry["Exec"].split()[0]
    assert entry["Icon"] == APP_ID
    # X11 matches the window by WM_CLASS, which Qt takes from the application name
    assert entry["StartupWMClass"] == TITLE


def test_metainfo_matches_the_package() -> None:
    component = ET.parse(METAINFO).getroot()
    assert component.get("type") == "desktop-application"
    assert component.findtext("id") == APP_ID
    assert component.findtext("launchable[@type='desktop-id']") == DESKTOP.name
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert component.findtext("project_license") == pyproject["license"]["text"]
    releases = component.findall("releases/release")
    assert releases and releases[0].get("version") == p2psocial.__version__, \
        "the newest <release> must be the version in p2psocial/__init__.py"
    assert component.find("content_rating[@type='oars-1.1']") is not None


def test_metainfo_screenshots_are_ours() -> None:
    """Each screenshot is a file of docs/screenshots/ (made by `make screenshots`), at
    the size the metainfo states; the URLs are where they are to be published."""
    images = ET.parse(METAINFO).getroot().findall("screenshots/screenshot/image")
    assert len(images) >= 3
    for image in images:
        name = (image.text or "").rsplit("/", 1)[-1]
        path = ROOT / "docs" / "screenshots" / name
        assert path.is_file(), f"{name} is not in docs/screenshots/"
        assert png_size(path) == (int(image.get("width", 0)), int(image.get("height", 0)))


def test_icons_exist_at_every_size() -> None:
    for size in ICON_SIZES:
        assert png_size(ROOT / "assets" / "app-icon" / f"p2psocial-{size}.png") == (size, size)
    svg = ET.parse(ROOT / "assets" / "p2psocial.svg").getroot()
    assert svg.get("viewBox") == "0 0 128 128"  # square, as icon themes expect


def test_one_application_id_everywhere() -> None:
    uses = {
        "spec": PACKAGING / "pyinstaller" / "p2psocial.spec",
        "deb": PACKAGING / "deb" / "build-deb.sh",
        "deb test": PACKAGING / "deb" / "deb-test.sh",
        "metadata check": PACKAGING / "check-metadata.sh",
    }
    for what, path in uses.items():
        found = set(re.findall(r"org\.p2psocial\.[\w.]+?(?=[\"'\s$.]|\.desktop|$)",
                               path.read_text()))
        assert found == {APP_ID}, (what, found)
    assert json.loads(FLATPAK.read_text())["app-id"] == APP_ID


def test_deb_layout_matches_the_unit() -> None:
    """The systemd unit starts /usr/bin/p2psocial, which the .deb links to the bundle."""
    unit = (PACKAGING / "p2psocial.service").read_text()
    assert re.search(r"^ExecStart=/usr/bin/p2psocial serve\b", unit, re.M)
    assert 'ln -s ../lib/p2psocial/p2psocial "$ROOT/usr/bin/p2psocial"' in \
        (PACKAGING / "deb" / "build-deb.sh").read_text()


# --- reproducible inputs ---------------------------------------------------------------

def test_every_runtime_dependency_is_pinned() -> None:
    pins = {}
    for line in (PACKAGING / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"not an exact pin: {line}"
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in pyproject["dependencies"]:
        name = re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0]
        assert re.sub(r"[-_.]+", "-", name).lower() in pins, f"{name} is not pinned"
    for build_tool in ("pyinstaller", "pyinstaller-hooks-contrib", "pip", "setuptools", "wheel"):
        assert build_tool in pins
    # the pin must be one the project allows on every supported Python (3.11 included)
    assert pins["pyside6-essentials"].startswith("6.") and \
        int(pins["pyside6-essentials"].split(".")[1]) < 12


# --- the Flatpak's sandbox --------------------------------------------------------------

def test_flatpak_asks_only_for_what_it_needs() -> None:
    manifest = json.loads(FLATPAK.read_text())
    args = set(manifest["finish-args"])
    assert "--share=network" in args  # peers, LAN discovery (multicast)
    assert {"--socket=wayland", "--socket=fallback-x11"} <= args
    assert "--talk-name=org.freedesktop.Notifications" in args
    assert not [arg for arg in args if arg.startswith(("--filesystem", "--socket=session-bus",
                                                       "--socket=system-bus", "--device=all",
                                                       "--socket=x11"))], args
    assert manifest["command"] == "p2psocial"


def test_installs_draw_emoji_with_noto_color_emoji() -> None:
    """Emoji are not boxes anywhere we ship or check (ui/fonts.py): the .deb depends on
    the font, the Linux bundle carries it with its licence, CI and the screenshots have it."""
    control = (PACKAGING / "deb" / "control.in").read_text()
    depends = control.split("\nDepends:", 1)[1].split("\nRecommends:", 1)[0]
    assert "fonts-noto-color-emoji" in [name.strip() for name in depends.split(",")]
    spec = (PACKAGING / "pyinstaller" / "p2psocial.spec").read_text()
    assert "p2psocial/assets/fonts/NotoColorEmoji.ttf" in spec
    assert "p2psocial/assets/fonts/NotoColorEmoji-LICENSE.txt" in spec
    assert "fonts-noto-color-emoji" in (ROOT / ".ci" / "run").read_text()
    assert "colour_emoji_family" in (ROOT / "bench" / "screenshots.py").read_text()
