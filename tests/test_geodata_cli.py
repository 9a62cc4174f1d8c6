"""`python -m geodata geocode`: JSON lines, not-found lines, mixed batches, exit codes."""
from __future__ import annotations

import io
import json
import subprocess

import pytest

from geodata import cli

from test_geodata_support import PYTHON, ROOT, geodata_index, subprocess_env  # noqa: F401

REQUIRED = ("query", "name", "lat", "lon", "precision", "radius_km", "admin1", "country", "source", "alternatives")


def run(*args, stdin=None):
    return subprocess.run([PYTHON, "-m", "geodata", *args], input=stdin, env=subprocess_env(), cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def rows(out):
    return [json.loads(line) for line in out.stdout.splitlines()]


def test_names_as_arguments():
    out = run("geocode", "Hmeimim air base", "Palmyra")
    assert out.returncode == 0, out.stderr
    a, b = rows(out)
    for row in (a, b):
        assert all(k in row for k in REQUIRED)
    assert (a["query"], a["name"], a["precision"], a["admin1"], a["country"]) == \
        ("Hmeimim air base", "Hmeimim Air Base", 1, "Lattakia", "SY")
    assert b["country"] == "SY" and "geonames:163808" in b["ids"]
    for k in ("ambiguous", "admin2", "admin2_pcode", "admin3", "admin3_pcode", "admin1_pcode"):
        assert k in a and k in b
    assert (b["admin1_pcode"], b["admin2_pcode"], b["admin3_pcode"]) == ("SY04", "SY0405", "SY040500")  # Homs, Tadmur district and sub-district


def test_not_found_prints_a_reason_and_exits_1():
    out = run("geocode", "Qwxzplk Hts")
    assert out.returncode == 1
    (row,) = rows(out)
    assert row["query"] == "Qwxzplk Hts" and row["lat"] is None and row["lon"] is None
    assert "not in the offline gazetteer" in row["reason"]


def test_mixed_batch_from_stdin_goes_on_after_a_miss():
    names = ["Damascus", "Qwxzplk Hts", "near Aleppo", "", "  Deir Ezzor  ", "40 km from Palmyra", "Sevastopol"]
    out = run("geocode", stdin="\n".join(names) + "\n")
    assert out.returncode == 1  # one name was not found ...
    got = rows(out)
    # ... and every other line was still answered, in order (blank lines skipped)
    assert [r["query"] for r in got] == ["Damascus", "Qwxzplk Hts", "near Aleppo", "Deir Ezzor",
                                         "40 km from Palmyra", "Sevastopol"]
    # Sevastopol is not in Syria, the default hint: not found, listed without coordinates
    assert [r["lat"] is None for r in got] == [False, True, False, False, False, True]
    assert got[2]["precision"] == 2 and got[4]["precision"] == 5
    assert got[5]["alternatives"][0]["country"] == "UA" and got[5]["alternatives"][0]["lat"] is None


def test_all_found_from_stdin_exits_0():
    out = run("geocode", stdin="Hama province\nT4 airbase\n")
    assert out.returncode == 0
    assert [r["gazetteer_id"] for r in rows(out)] == ["admin1:SY05", "site:tiyas-airbase"]


def test_country_option():
    assert rows(run("geocode", "--country", "US", "Palmyra"))[0]["country"] == "US"
    assert rows(run("geocode", "--country", "SY", "Palmyra"))[0]["country"] == "SY"


@pytest.mark.usefixtures("geodata_index")
def test_in_process_main_with_unicode():
    out = io.StringIO()
    code = cli.main(["geocode", "--country", "none", "حلب", "Хмеймим"], out=out, stdin=io.StringIO())
    assert code == 0
    a, b = (json.loads(line) for line in out.getvalue().splitlines())
    assert "geonames:170063" in a["ids"] and a["query"] == "حلب"
    assert b["gazetteer_id"] == "site:hmeimim-airbase"
    assert "حلب" in out.getvalue()  # not \\u-escaped


def test_help_lists_the_commands():
    out = run("--help")
    assert out.returncode == 0 and "geocode" in out.stdout and "build-index" in out.stdout


@pytest.mark.usefixtures("geodata_index")
def test_in_gives_the_records_own_areas():
    buf = io.StringIO()
    assert cli.main(["geocode", "Salba"], out=buf) == 1  # two equally attested Salba: no coin toss
    (row,) = [json.loads(x) for x in buf.getvalue().splitlines()]
    assert row["lat"] is None and row["ambiguous"] and len(row["alternatives"]) == 2
    buf = io.StringIO()
    assert cli.main(["geocode", "--in", "Salamiyah district", "--in", "Hamah governorate", "Salba"], out=buf) == 0
    (row,) = [json.loads(x) for x in buf.getvalue().splitlines()]
    assert row["admin2"] == "As-Salamiyeh" and row["precision"] == 1
