"""`python -m events SUBCOMMAND ...`.

Each subcommand lives in its own module exposing `add_parser(subparsers)`, which adds a parser
and sets `func=run` on it, `run(args) -> int` returning the exit code. To add a subcommand,
write such a module and list it in SUBCOMMANDS; a listed module that does not exist yet
(events/cli_import.py before the importers land) is skipped.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Optional, Sequence

SUBCOMMANDS = ("events.cli_validate", "events.cli_export", "events.cli_geocode", "events.cli_import",
               "events.cli_health")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m events",
        description="The curated conflict-events table: validate it, export it, geocode its places.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # not written yet
                continue
            raise
        module.add_parser(sub)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:  # `python -m events export ... | head`
        try:
            sys.stdout = None  # type: ignore[assignment]
        finally:
            return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
