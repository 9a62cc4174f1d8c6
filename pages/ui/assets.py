"""Offline map assets: copy Leaflet, Leaflet.markercluster and jQuery from the XStatic packages,
and the map's own script and stylesheet (pages/ui/mapview/static/), into ``static/vendor/`` next
to app.py, which Streamlit serves at ``/app/static/vendor/...``
(``server.enableStaticServing``). No Streamlit import.

Idempotent (a stamp file records the package versions), atomic (files are assembled in a
temporary folder and renamed into place) and fast (one stat when already present).
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

URL_ROOT = "/app/static/vendor"
STATIC_DIR = Path(__file__).resolve().parents[2] / "static"
STAMP = ".xstatic.json"

# vendor sub-folder -> (xstatic package module, files or folders to copy from its BASE_DIR)
_PACKAGES = {
    "leaflet": ("xstatic.pkg.leaflet", ("leaflet.js", "leaflet.css", "images")),
    "markercluster": (
        "xstatic.pkg.leaflet_markercluster",
        ("leaflet.markercluster.js", "MarkerCluster.css", "MarkerCluster.Default.css"),
    ),
    "jquery": ("xstatic.pkg.jquery", ("jquery.min.js",)),
}

# Our own map code, served the same way (pages.ui.mapview.layers.MapAssets lists them).
APP_SOURCE = Path(__file__).resolve().parent / "mapview" / "static"
APP_FILES = ("conflictmap.js", "conflictmap.css")

# The copies' URLs. folium is pointed at the stylesheets and at MAP_BUNDLE_JS (below), which holds
# the scripts; the scripts' own copies stay in place beside their licences.
LEAFLET_JS = f"{URL_ROOT}/leaflet/leaflet.js"
LEAFLET_CSS = f"{URL_ROOT}/leaflet/leaflet.css"
JQUERY_JS = f"{URL_ROOT}/jquery/jquery.min.js"
MARKERCLUSTER_JS = f"{URL_ROOT}/markercluster/leaflet.markercluster.js"
MARKERCLUSTER_CSS = f"{URL_ROOT}/markercluster/MarkerCluster.css"
MARKERCLUSTER_DEFAULT_CSS = f"{URL_ROOT}/markercluster/MarkerCluster.Default.css"
CONFLICTMAP_JS = f"{URL_ROOT}/app/conflictmap.js"
# Leaflet.heat (BSD-2-Clause, Vladimir Agafonkin), as folium ships it in its templates; its licence
# (pages/ui/mapview/static/LICENSE-leaflet-heat.txt) is copied beside it.
HEAT_FILES = {"leaflet-heat.js": ("folium", "templates/leaflet_heat.min.js"),
              "LICENSE.txt": (None, "LICENSE-leaflet-heat.txt")}


def _heat_source(name: str) -> Path:
    pkg, rel = HEAT_FILES[name]
    if pkg is None:
        return APP_SOURCE / rel
    import importlib

    return Path(importlib.import_module(pkg).__file__).parent / rel
CONFLICTMAP_CSS = f"{URL_ROOT}/app/conflictmap.css"

# Every script the map needs, in one file, in the order they depend on each other. Why: st_folium
# loads a map's scripts one after another, each waiting for the last (five round trips, ~0.3 s of a
# first map on a busy 2-core machine; benchmarks/e2e.py); one file is one round trip. The files
# above stay in place too (licences, other uses). Written by ensure_vendor_assets from the copies.
MAP_BUNDLE = ("leaflet/leaflet.js", "jquery/jquery.min.js", "markercluster/leaflet.markercluster.js",
              "heat/leaflet-heat.js", "app/conflictmap.js")
MAP_BUNDLE_NAME = "map-bundle.js"
MAP_BUNDLE_JS = f"{URL_ROOT}/app/{MAP_BUNDLE_NAME}"


def write_bundle(vendor: Path) -> Path:
    """Concatenate MAP_BUNDLE (copied into `vendor`) into vendor/app/map-bundle.js. Each part keeps
    its own licence header and is named in a comment; source-map comments are left out (they would
    point the browser's tools at the wrong file)."""
    parts = []
    for rel in MAP_BUNDLE:
        text = (vendor / rel).read_text(encoding="utf-8")
        text = "\n".join(line for line in text.splitlines() if not line.startswith("//# sourceMappingURL="))
        parts.append(f"/* ---- {rel} ---- */\n{text}\n;\n")
    out = vendor / "app" / MAP_BUNDLE_NAME
    out.write_text("".join(parts), encoding="utf-8")
    return out


def _modules():
    import importlib

    return {sub: (importlib.import_module(mod), files) for sub, (mod, files) in _PACKAGES.items()}


def _app_digest() -> str:
    import hashlib

    h = hashlib.sha256()
    for name in APP_FILES:
        h.update(name.encode() + b"\0" + (APP_SOURCE / name).read_bytes())
    return h.hexdigest()[:16]


def _stamp(mods) -> dict:
    stamp = {sub: getattr(mod, "VERSION", "?") for sub, (mod, _files) in mods.items()}
    stamp["app"] = _app_digest()  # a changed script or stylesheet is copied again
    return stamp


def vendor_ok(static_dir: Path | str = STATIC_DIR) -> bool:
    """True when static/vendor holds every file, from the installed package versions."""
    vendor = Path(static_dir) / "vendor"
    try:
        recorded = json.loads((vendor / STAMP).read_text())
    except (OSError, ValueError):
        return False
    mods = _modules()
    if recorded != _stamp(mods):
        return False
    return (all((vendor / sub / name).exists() for sub, (_m, files) in mods.items() for name in files)
            and all((vendor / "app" / name).exists() for name in (*APP_FILES, MAP_BUNDLE_NAME))
            and all((vendor / "heat" / name).exists() for name in HEAT_FILES))


def ensure_vendor_assets(static_dir: Path | str = STATIC_DIR) -> Path:
    """Make sure ``<static_dir>/vendor`` holds the offline map assets; return its path."""
    static_dir = Path(static_dir)
    vendor = static_dir / "vendor"
    if vendor_ok(static_dir):
        return vendor
    mods = _modules()
    static_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".vendor-", dir=static_dir))
    try:
        for sub, (mod, files) in mods.items():
            (tmp / sub).mkdir()
            for name in files:
                src = Path(mod.BASE_DIR) / name
                if src.is_dir():
                    shutil.copytree(src, tmp / sub / name)
                else:
                    shutil.copy2(src, tmp / sub / name)
        (tmp / "app").mkdir()
        for name in APP_FILES:
            shutil.copy2(APP_SOURCE / name, tmp / "app" / name)
        (tmp / "heat").mkdir()
        for name in HEAT_FILES:
            shutil.copy2(_heat_source(name), tmp / "heat" / name)
        write_bundle(tmp)
        (tmp / STAMP).write_text(json.dumps(_stamp(mods), sort_keys=True))
        os.chmod(tmp, 0o755)
        if vendor.exists():
            old = Path(tempfile.mkdtemp(prefix=".vendor-old-", dir=static_dir))
            try:
                os.replace(vendor, old / "vendor")
            except OSError:
                pass  # another process moved it first
            shutil.rmtree(old, ignore_errors=True)
        try:
            os.replace(tmp, vendor)
        except OSError:
            # Another process put a complete copy in place between our check and now.
            if not vendor_ok(static_dir):
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return vendor


if __name__ == "__main__":  # python -m pages.ui.assets
    print(ensure_vendor_assets())
