"""`python -m stack up|down|status|logs|env|transactions|replay|verify|test`: the command line.

Errors are printed as one line (cause, fix, log) with exit code 1; `status` exits 3 when
something that should run is not healthy.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from stack.env import service_env
from stack.env_export import export_lines
from stack.errors import StackError
from stack.layout import StackLayout
from stack.ports import LOOPBACK

__all__ = ["main", "parse_arguments"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m stack", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="install what is missing and start the bank")
    up.add_argument("--brokers", type=int, choices=(1, 3), help="Kafka nodes (remembered)")
    up.add_argument(
        "--no-services", action="store_true", help="infrastructure only (no project services)"
    )
    commands.add_parser("down", help="stop every process the stack started")
    commands.add_parser("status", help="each component, its ports, pid and health")
    logs = commands.add_parser("logs", help="the end of one component's log")
    logs.add_argument("name")
    logs.add_argument("-n", "--lines", type=int, default=50)
    env = commands.add_parser("env", help="a service's environment as export lines")
    env.add_argument("name")
    env.add_argument(
        "--show-secrets",
        action="store_true",
        help="print passwords and tokens instead of masking them (for eval)",
    )
    transactions = commands.add_parser(
        "transactions", help="find hanging Kafka transactions (exit 3 if one hangs)"
    )
    transactions.add_argument("--abort", action="store_true", help="abort what hangs")
    replay = commands.add_parser(
        "replay", help="rebuild the API's read model from the log, compare, switch if equal"
    )
    replay.add_argument("--check-only", action="store_true", help="rebuild and compare only")
    commands.add_parser("verify", help="check the handler's state against the log")
    init = commands.add_parser("compose-init", help="certificates etc. for compose.yaml")
    init.add_argument("target", type=Path)
    init.add_argument("--brokers", type=int, choices=(1, 3), default=1)
    init.add_argument("--owner", help="UID:GID to give the target and --owned folders")
    init.add_argument("--owned", type=Path, nargs="*", default=[], help="data volumes")
    test = commands.add_parser("test", help="ruff, mypy --strict and pytest over the project")
    faults = test.add_mutually_exclusive_group()
    faults.add_argument(
        "--faults",
        action="store_true",
        help="run the fault suite (private stacks, ~8-15 min) as the last tier",
    )
    faults.add_argument(
        "--quick", dest="faults", action="store_false", help="leave the fault suite out"
    )
    test.set_defaults(faults=None)  # neither flag: stack.checks.FAULTS_BY_DEFAULT decides
    test.add_argument("pytest_args", nargs=argparse.REMAINDER)
    return parser


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line; for `test`, every argument it does not know goes to pytest, in order.

    A `REMAINDER` alone starts only at the first positional, so `test -k name` would be
    refused as an unknown option: the options before it are given back in front of it.
    """
    parser = _parser()
    args, unknown = parser.parse_known_args(argv)
    if args.command != "test":
        if unknown:
            parser.error(f"unrecognized arguments: {' '.join(unknown)}")
        return args
    args.pytest_args = [*unknown, *args.pytest_args]
    if args.pytest_args[:1] == ["--"]:
        args.pytest_args = args.pytest_args[1:]
    return args


def _summary(layout: StackLayout) -> str:
    from stack.status import collect_status

    running = [
        f"{status.name} {status.ports[0]}"
        for status in collect_status(layout)
        if status.pid is not None and status.ports
    ]
    from stack.zipkin import zipkin_url

    return (
        f"running: {', '.join(running)} — open http://{LOOPBACK}:{layout.ports.nginx}/"
        f" — traces: {zipkin_url(layout)}"
    )


def _tail(layout: StackLayout, name: str, lines: int) -> None:
    path = layout.log_file(name)
    if not path.exists():
        known = sorted(log.stem for log in layout.logs_dir.glob("*.log"))
        raise StackError(f"no log for {name!r}", f"use one of: {', '.join(known) or 'none yet'}")
    with path.open("rb") as handle:
        text = handle.read().decode(errors="replace")
    sys.stdout.write("\n".join(text.splitlines()[-lines:]) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one stack command; the exit code of the process."""
    args = parse_arguments(argv)
    try:
        layout = StackLayout.from_environ()
        if args.command == "up":
            from stack.lifecycle import up

            started = time.monotonic()
            changed = up(layout, sys.stdout, brokers=args.brokers, services=not args.no_services)
            if not changed:
                print("everything already runs; nothing changed")
            else:
                print(f"up in {time.monotonic() - started:.1f} s")
            print(_summary(layout))
        elif args.command == "down":
            from stack.lifecycle import down

            stopped = down(layout, sys.stdout)
            print(f"stopped {len(stopped)} process(es); data kept in {layout.run_dir}")
        elif args.command == "status":
            from stack.status import print_status

            return 0 if print_status(layout, sys.stdout) else 3
        elif args.command == "logs":
            _tail(layout, args.name, args.lines)
        elif args.command == "env":
            env = service_env(args.name, layout)
            for line in export_lines(env, show_secrets=args.show_secrets):
                print(line)
            if not args.show_secrets:
                print(
                    f"# secrets masked; for eval: ./bank env {args.name} --show-secrets",
                    file=sys.stderr,
                )
        elif args.command == "transactions":
            from stack.state import read_state
            from stack.transactions import check_transactions

            brokers = read_state(layout).brokers
            hanging = check_transactions(layout, brokers, sys.stdout, abort=args.abort)
            if not hanging:
                print(f"kafka: no hanging transaction on {brokers} broker(s)")
            elif not args.abort:
                return 3
        elif args.command in ("replay", "verify"):
            from replay.cli import run_replay, run_verify

            if args.command == "replay":
                return run_replay(layout, check_only=args.check_only, out=sys.stdout)
            return run_verify(layout, out=sys.stdout)
        elif args.command == "compose-init":
            from stack.compose_init import compose_init

            owner = None
            if args.owner:
                uid, gid = (int(part) for part in args.owner.split(":"))
                owner = (uid, gid)
            compose_init(args.target, args.brokers, owner, args.owned)
        elif args.command == "test":
            from stack.checks import FAULTS_BY_DEFAULT, run_checks

            wanted = FAULTS_BY_DEFAULT if args.faults is None else args.faults
            return run_checks(layout, args.pytest_args, faults=wanted)
    except StackError as error:
        print(error.one_line(), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`./bank status | head`): stop quietly, as other tools do,
        # and keep Python from failing again while it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    return 0


if __name__ == "__main__":
    sys.exit(main())
