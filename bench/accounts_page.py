"""`python -m bench accounts`: what the Employee page's first load costs on the running stack.

The page asks `all_last_transactions` (every account's newest row) with its own fields,
then shows 20 accounts a page. This times that query through nginx as the page sends it,
and the backend's own statement for it alone on the stack's `backend` database (as the
superuser through its socket), so a change shows whether it helped the database or the
API's answer. The first try of the statement may read from disk, later ones from memory:
each try is printed. Read-only; run it under the shared lock, it is a benchmark.
"""

from __future__ import annotations

import argparse
import os
import time

import httpx
from sqlalchemy import create_engine, func, select

from backend.storage.stores import LAST_PER_IBAN
from backend.storage.tables import TRANSACTIONS
from bench.cpu import machine_cpu_times, steal_share
from stack.layout import StackLayout
from stack.postgres import admin_database_url

__all__ = ["HELP", "configure", "run"]

HELP = "seconds and bytes of the Employee page's all_last_transactions, API and SQL"

# The fields the page asks (frontend/src/api/operations.ts, TRANSACTION_FIELDS).
_PAGE_QUERY = (
    "query all_last_transactions { all_last_transactions"
    " { id iban new_balance changed_by from_to descr direction decided } }"
)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", default="http://127.0.0.1:8080/graphql", help="through nginx")
    parser.add_argument("--tries", type=int, default=3, help="times each is asked")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per API answer")


def run(arguments: argparse.Namespace) -> int:
    load_before = os.getloadavg()
    cpu_before = machine_cpu_times()
    engine = create_engine(admin_database_url(StackLayout.from_environ(), "backend"))
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(func.count()).select_from(TRANSACTIONS)).scalar()
            print(f"transactions table: {rows:,} rows")
            for attempt in range(1, arguments.tries + 1):
                started = time.perf_counter()
                accounts = len(connection.execute(LAST_PER_IBAN).all())
                seconds = time.perf_counter() - started
                print(f"SQL try {attempt}: {seconds:.2f} s for {accounts:,} accounts")
    finally:
        engine.dispose()
    for attempt in range(1, arguments.tries + 1):
        started = time.perf_counter()
        try:
            answer = httpx.post(
                arguments.url, json={"query": _PAGE_QUERY}, timeout=arguments.timeout
            )
        except httpx.HTTPError as error:
            seconds = time.perf_counter() - started
            print(f"API try {attempt}: failed after {seconds:.2f} s: {error!r}")
            continue
        seconds = time.perf_counter() - started
        print(
            f"API try {attempt}: {seconds:.2f} s, {len(answer.content):,} bytes,"
            f" HTTP {answer.status_code}"
        )
    steal = steal_share(cpu_before, machine_cpu_times())
    print(
        f"load average {load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after;"
        f" CPU steal {steal:.1%} of the machine's time"
    )
    return 0
