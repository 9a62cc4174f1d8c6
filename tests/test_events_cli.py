"""`python -m events ...` run as a user would (subprocess): exit codes and output."""
import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from events.cli import main

ROOT = Path(__file__).parents[1]
VALID = Path(__file__).parent / "fixtures" / "valid"


def run(*args):
    """The real command line, in a subprocess (imports included)."""
    return subprocess.run([sys.executable, "-m", "events", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def call(capsys, *args):
    """The same entry point in-process (fast): (exit code, stdout, stderr)."""
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def data(tmp_path):
    d = tmp_path / "data"
    shutil.copytree(VALID, d)
    return d


def test_validate_ok():
    r = run("validate", "tests/fixtures/valid")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == ("validate: tests/fixtures/valid: 4 events, 6 claims, 7 actors, 2 sources, "
                                "9 excerpts checked, 0 problems")


def test_validate_reports_every_bad_file(data):
    p = data / "events" / "latakia-shell-deaths.yaml"
    p.write_text(p.read_text().replace("lat: 35.6", "lat: 123"))
    p = data / "events" / "mi8-crash-palmyra.yaml"
    p.write_text(p.read_text().replace("stance: acknowledges", "stance: boasts"))
    (data / "events" / "junk.yaml").write_text("key: [")
    r = run("validate", data)
    assert r.returncode == 1
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 4
    assert lines[0].startswith(f"{data}/events/junk.yaml: junk: -: malformed YAML")
    assert lines[1].startswith(f"{data}/events/latakia-shell-deaths.yaml: latakia-shell-deaths: place.lat: ")
    assert lines[2].startswith(f"{data}/events/mi8-crash-palmyra.yaml: mi8-crash-palmyra: claims[1].stance: ")
    assert lines[3].endswith("5 events, 6 claims, 7 actors, 2 sources, 5 excerpts checked, 3 problems")


def test_validate_missing_folder(tmp_path, capsys):
    code, _, err = call(capsys, "validate", tmp_path / "nope")
    assert code == 2 and "no such folder" in err


def test_export_csv_to_stdout():
    r = run("export", "--format", "csv", "--data", "tests/fixtures/valid")
    assert r.returncode == 0, r.stderr
    assert len(list(csv.DictReader(io.StringIO(r.stdout)))) == 4


def test_export_geojson_to_file(tmp_path, capsys):
    out = tmp_path / "events.geojson"
    code, stdout, _ = call(capsys, "export", "--format", "geojson", "--out", out, "--data", VALID)
    assert code == 0 and stdout == ""
    assert len(json.loads(out.read_text())["features"]) == 4


def test_export_with_filter(capsys):
    code, out, err = call(capsys, "export", "--format", "geojson", "--data", VALID,
                          "--filter", "status=confirmed&status=disputed&actor=Daesh&colour=red")
    assert code == 0
    ids = sorted(f["id"] for f in json.loads(out)["features"])
    assert ids == ["helicopter-mortar-palmyra", "mi8-crash-palmyra"]
    assert "unknown parameter 'colour'" in err


def test_export_yaml_dir(tmp_path, capsys):
    code, _, err = call(capsys, "export", "--format", "yaml-dir", "--out", tmp_path / "copy", "--data", VALID)
    assert code == 0 and "wrote" in err
    assert call(capsys, "validate", tmp_path / "copy")[0] == 0


def test_export_yaml_dir_needs_out(capsys):
    assert call(capsys, "export", "--format", "yaml-dir", "--data", VALID)[0] == 2


def test_export_leaves_out_bad_events_and_says_so(data, capsys):
    p = data / "events" / "mi8-crash-palmyra.yaml"
    p.write_text(p.read_text().replace("On Board were five", "On Board were six"))
    code, out, err = call(capsys, "export", "--format", "csv", "--data", data)
    assert code == 0
    assert "1 problems in the data" in err
    assert "mi8-crash-palmyra" not in out


def test_unknown_format_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["export", "--format", "xlsx"])
    assert exc.value.code == 2 and "invalid choice" in capsys.readouterr().err


def test_help_lists_subcommands():
    r = run("--help")
    assert r.returncode == 0
    for cmd in ("validate", "export", "geocode"):
        assert cmd in r.stdout
