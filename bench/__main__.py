"""`python -m bench <what>`: every benchmark and capacity check of open-bank, one CLI.

Each needs the running stack (`./bank up`) except `report` and `hotspots`; run the
measurements under the shared lock (`flock /work/heavy.lock ...`). `python -m bench <what>
--help` says what each one prints.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bench import (
    accounts_page,
    api,
    browser_commands,
    capacity,
    compare,
    compression,
    handler_drain,
    projector,
    serde,
    tracing_cost,
)

__all__ = ["TOOLS", "main"]


@dataclass(frozen=True, slots=True)
class Tool:
    """One subcommand: its one-line help, its description (what it prints), its options and
    what runs it (returns the exit status)."""

    help: str
    description: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


TOOLS = {
    "browser": Tool(
        browser_commands.BROWSER_HELP,
        browser_commands.BROWSER_DESCRIPTION,
        browser_commands.configure_browser,
        browser_commands.run_browser,
    ),
    "report": Tool(
        browser_commands.REPORT_HELP,
        browser_commands.REPORT_DESCRIPTION,
        browser_commands.configure_report,
        browser_commands.run_report,
    ),
    "hotspots": Tool(
        browser_commands.HOTSPOTS_HELP,
        browser_commands.HOTSPOTS_DESCRIPTION,
        browser_commands.configure_hotspots,
        browser_commands.run_hotspots,
    ),
    "compare": Tool(compare.HELP, compare.__doc__ or "", compare.configure, compare.run),
    "api": Tool(api.HELP, api.__doc__ or "", api.configure, api.run),
    "handler": Tool(
        handler_drain.HELP, handler_drain.__doc__ or "", handler_drain.configure, handler_drain.run
    ),
    "projector": Tool(projector.HELP, projector.__doc__ or "", projector.configure, projector.run),
    "capacity": Tool(capacity.HELP, capacity.__doc__ or "", capacity.configure, capacity.run),
    "serde": Tool(serde.HELP, serde.__doc__ or "", serde.configure, serde.run),
    "tracing": Tool(
        tracing_cost.HELP, tracing_cost.__doc__ or "", tracing_cost.configure, tracing_cost.run
    ),
    "accounts": Tool(
        accounts_page.HELP, accounts_page.__doc__ or "", accounts_page.configure, accounts_page.run
    ),
    "compression": Tool(
        compression.HELP, compression.__doc__ or "", compression.configure, compression.run
    ),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="<what>")
    for name, tool in TOOLS.items():
        command = commands.add_parser(
            name,
            help=tool.help,
            description=tool.description,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        tool.configure(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the tool it names."""
    args = _parser().parse_args(argv)
    return TOOLS[args.command].run(args)


if __name__ == "__main__":
    sys.exit(main())
