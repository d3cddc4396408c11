"""Benchmark of one command handler instance: drain a pre-filled `commands` topic.

`python -m command_handler.bench` (the stack must be up) makes a throwaway database with
1,000 pre-filled accounts and private topics, produces 100,000 mixed commands (the
command generator's mix), then starts one `python -m command_handler` on them and prints:
commands/s while draining, produce→feedback latency (p50/p99, from Kafka timestamps), the
handler's RSS idle and at peak, and a paced phase (a steady rate) for latency without a
backlog. Everything it creates is removed afterwards. Not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
import sqlalchemy as sa
from confluent_kafka import Consumer, Producer

from command_handler.testing import (
    HandlerProcess,
    PrivateTopics,
    create_throwaway_database,
    drop_database,
    free_port,
    kafka_settings_from_env,
    registry_client,
)
from stack.env import service_env
from stack.layout import StackLayout
from stack.postgres import admin_database_url
from topology.clients import consumer_config, producer_config
from topology.iban import COMPANY_IBAN, COMPANY_TOKEN, iban_from_digits
from topology.records import Atype, ConfirmAccountCreation, ConfirmMoneyTransfer
from topology.serde import RecordSerde
from topology.settings import KafkaSettings

__all__ = ["main"]

_START_BALANCE_CENTS = 1_000_000
_CLIENT_ID = "bench-command-handler"
Command = ConfirmAccountCreation | ConfirmMoneyTransfer


@dataclass(frozen=True)
class BenchAccount:
    iban: str
    token: str


def prefill_accounts(database_url: str, count: int, rng: random.Random) -> list[BenchAccount]:
    """Insert `count` accounts holding €10,000 each straight into the handler's database."""
    accounts = [
        BenchAccount(
            iban_from_digits(f"0{n:09d}"), "".join(rng.choice("0123456789") for _ in range(20))
        )
        for n in rng.sample(range(1, 10**9), count)
    ]
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO balance (iban, token, amount, a_type) "
                "VALUES (:iban, :token, :amount, 'AUTO')"
            ),
            [{"iban": a.iban, "token": a.token, "amount": _START_BALANCE_CENTS} for a in accounts],
        )
    engine.dispose()
    return accounts


def mixed_command(accounts: list[BenchAccount], rng: random.Random) -> Command:
    """One command of the generator's mix: 1/200 account openings, otherwise transfers
    (salary 1/70, deposit 3/70, withdrawal 10/70, shop payment 40/70, transfer 16/70)."""
    if rng.random() < 1 / 200:
        return ConfirmAccountCreation(id=uuid.uuid4(), a_type=Atype.AUTO)
    account = rng.choice(accounts)
    pick = rng.randrange(70)
    amount = rng.randint(100, 20_000)
    if pick < 1:
        from_, token, to = COMPANY_IBAN, COMPANY_TOKEN, account.iban
    elif pick < 4:
        from_, token, to = "cash", "cash", account.iban
    elif pick < 14:
        from_, token, to = account.iban, account.token, "cash"
    elif pick < 54:
        from_, token, to = account.iban, account.token, "Albert Heijn BV"
    else:
        from_, token, to = account.iban, account.token, rng.choice(accounts).iban
    return ConfirmMoneyTransfer(uuid.uuid4(), token, amount, from_, to, "bench")


class RssSampler(threading.Thread):
    """Samples a process's RSS every 50 ms; `peak_mib` is the largest seen, `peak_split_mib`
    its anonymous and file-backed parts (`/proc/<pid>/status`) at that moment: anonymous
    memory is what the process allocated, file-backed the pages of its libraries it touched
    (shared with other processes, counted in full by RSS)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self._process = psutil.Process(pid)
        self._status = Path(f"/proc/{pid}/status")
        self._halt = threading.Event()
        self.samples: list[int] = []
        self.peak_split_mib: dict[str, float] = {}

    def run(self) -> None:
        while not self._halt.wait(0.05):
            try:
                rss = self._process.memory_info().rss
            except psutil.Error:
                return
            if rss > max(self.samples, default=0):
                self.peak_split_mib = _rss_split_mib(self._status)
            self.samples.append(rss)

    def stop(self) -> None:
        self._halt.set()
        self.join()

    @property
    def peak_mib(self) -> float:
        return max(self.samples, default=0) / 2**20


def _rss_split_mib(status: Path) -> dict[str, float]:
    """RssAnon and RssFile (MiB) from a `/proc/<pid>/status` file; empty if it is gone."""
    try:
        lines = status.read_text().splitlines()
    except OSError:
        return {}
    return {
        name.removeprefix("Rss").lower(): round(int(value.split()[0]) / 1024, 1)
        for name, _, value in (line.partition(":") for line in lines)
        if name in ("RssAnon", "RssFile")
    }


def _rss_mib(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / 2**20


def _pss_mib(pid: int) -> float:
    """Proportional set size: shared libraries count by the share of processes using them
    (the Python services map the same libssl, libpq, librdkafka)."""
    return float(psutil.Process(pid).memory_full_info().pss) / 2**20


def _handled(port: int) -> float:
    try:
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    except httpx.ConnectError:
        return 0  # not serving yet: still starting

    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("open_bank_command_handler_commands_total{")
    )


def _phase_seconds(port: int) -> dict[str, float]:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    prefix = 'open_bank_command_handler_phase_seconds_sum{phase="'
    return {
        line[len(prefix) :].split('"', 1)[0]: round(float(line.rsplit(" ", 1)[1]), 2)
        for line in text.splitlines()
        if line.startswith(prefix)
    }


def _wait_for(predicate: Any, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout_s} s")
        time.sleep(0.2)


@dataclass
class FeedbackTimes:
    """Kafka timestamps (ms) of each command and of its first feedback, by key."""

    produced_ms: dict[bytes, int] = field(default_factory=dict)
    answered_ms: dict[bytes, int] = field(default_factory=dict)


def read_timestamps(kafka: KafkaSettings, topics: PrivateTopics, expected: int) -> FeedbackTimes:
    """Read the commands and feedback topics from the start (timestamps only, no decoding)."""
    consumer = Consumer(
        consumer_config(
            kafka,
            client_id=_CLIENT_ID,
            group_id=f"{_CLIENT_ID}-{uuid.uuid4().hex}",
            overrides={"isolation.level": "read_committed", "enable.auto.commit": False},
        )
    )
    names = topics.topics
    consumer.subscribe(
        [
            names.commands.name,
            names.account_creation_feedback.name,
            names.money_transfer_feedback.name,
        ]
    )
    times = FeedbackTimes()
    deadline = time.monotonic() + 120
    while (
        len(times.answered_ms) < expected or len(times.produced_ms) < expected
    ) and time.monotonic() < deadline:
        for message in consumer.consume(5000, 0.5):
            if message.error() is not None:
                continue
            target = (
                times.produced_ms if message.topic() == names.commands.name else times.answered_ms
            )
            target.setdefault(message.key() or b"", message.timestamp()[1])
    consumer.close()
    return times


def _percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _produce(
    producer: Any, serde: RecordSerde, topics: PrivateTopics, commands: list[Command]
) -> None:
    for command in commands:
        value = serde.serialize(topics.topics.commands, command)
        while True:
            try:
                producer.produce(
                    topics.topics.commands.name, key=str(command.id).encode(), value=value
                )
                break
            except BufferError:
                producer.poll(0.05)
        producer.poll(0)
    producer.flush(60)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run the benchmark; returns the figures (also printed by `main`)."""
    layout = StackLayout.from_environ()
    # Private topics, groups and transactional ids are the `tests` principal's (see
    # docs/security.md): the harness and the handler under measurement both use it.
    bench_env = service_env("tests", layout)
    handler_env = service_env("command-handler", layout)
    for name in ("OPEN_BANK_KAFKA_SSL_CERTIFICATE_LOCATION", "OPEN_BANK_KAFKA_SSL_KEY_LOCATION"):
        handler_env[name] = bench_env[name]
    kafka = kafka_settings_from_env(bench_env)
    registry_url = bench_env["OPEN_BANK_SCHEMA_REGISTRY_URL"]
    admin_url = admin_database_url(layout)
    rng = random.Random(args.seed)
    database_url = create_throwaway_database(admin_url, "ch_bench")
    topics = PrivateTopics(kafka, registry_url, _CLIENT_ID)
    registry = registry_client(registry_url)
    serde = RecordSerde(registry)
    producer = Producer(producer_config(kafka, client_id=_CLIENT_ID, overrides={"linger.ms": 20}))
    metrics_port = free_port()
    env = {
        **handler_env,
        "OPEN_BANK_DATABASE_URL": database_url,
        "OPEN_BANK_COMMAND_HANDLER_TOPIC_PREFIX": topics.prefix,
        "OPEN_BANK_COMMAND_HANDLER_GROUP_ID": f"{_CLIENT_ID}-{uuid.uuid4().hex[:8]}",
        "OPEN_BANK_COMMAND_HANDLER_INSTANCE": f"bench-{uuid.uuid4().hex[:8]}",
        "OPEN_BANK_COMMAND_HANDLER_METRICS_PORT": str(metrics_port),
        "OPEN_BANK_COMMAND_HANDLER_BATCH_SIZE": str(args.batch_size),
        **dict(item.split("=", 1) for item in args.env),
    }
    log_path = Path(args.log)
    log_path.write_text("")  # "partitions assigned" must come from this run
    figures: dict[str, Any] = {"commands": args.commands, "accounts": args.accounts}
    handler: HandlerProcess | None = None
    try:
        accounts = prefill_accounts(database_url, args.accounts, rng)
        # Idle: started on the empty topic, assigned, then measured.
        handler = HandlerProcess(env, log_path).start()
        _wait_for(lambda: "partitions assigned" in log_path.read_text(), 60, "assignment")
        time.sleep(3)
        figures["rss_idle_mib"] = round(_rss_mib(handler.pid), 1)
        figures["pss_idle_mib"] = round(_pss_mib(handler.pid), 1)
        # File-backed pages depend on the kernel too: on one where a fault maps up to 1 MiB
        # of a library (session 5), the same code shows ~3 MiB more RSS than on one of 64 KiB.
        figures["rss_idle_anon_file_mib"] = _rss_split_mib(Path(f"/proc/{handler.pid}/status"))
        handler.stop()
        commands = [mixed_command(accounts, rng) for _ in range(args.commands)]
        started = time.monotonic()
        _produce(producer, serde, topics, commands)
        figures["prefill_s"] = round(time.monotonic() - started, 1)
        # Drain: one instance on the full topic.
        handler = HandlerProcess(env, log_path).start()
        sampler = RssSampler(handler.pid)
        sampler.start()
        started = time.monotonic()
        _wait_for(lambda: _handled(metrics_port) >= args.commands, 600, "drain")
        figures["drain_wall_s"] = round(time.monotonic() - started, 2)
        figures["phase_seconds"] = _phase_seconds(metrics_port)
        cpu = psutil.Process(handler.pid).cpu_times()
        cpu_s = cpu.user + cpu.system
        sampler.stop()
        # CPU the handler used (start-up included): the figure that does not depend on
        # how busy the machine is.
        figures["handler_cpu_s"] = round(cpu_s, 2)
        figures["cpu_ms_per_1000_commands"] = round(cpu_s * 1000 / args.commands * 1000, 1)
        figures["load_average_1m"] = round(psutil.getloadavg()[0], 1)
        figures["rss_peak_mib"] = round(sampler.peak_mib, 1)
        figures["rss_peak_anon_file_mib"] = sampler.peak_split_mib
        times = read_timestamps(kafka, topics, args.commands)
        answered = sorted(times.answered_ms.values())
        figures["answered"] = len(answered)
        drain_s = (answered[-1] - answered[0]) / 1000
        figures["drain_s"] = round(drain_s, 2)
        figures["commands_per_s"] = round(len(answered) / drain_s)
        figures["commands_per_s_incl_start"] = round(len(answered) / figures["drain_wall_s"])
        # Paced: a steady rate with no backlog, for latency.
        paced = [mixed_command(accounts, rng) for _ in range(args.paced_rate * args.paced_s)]
        interval = 1 / args.paced_rate
        next_at = time.monotonic()
        for command in paced:
            value = serde.serialize(topics.topics.commands, command)
            producer.produce(topics.topics.commands.name, key=str(command.id).encode(), value=value)
            producer.poll(0)
            next_at += interval
            time.sleep(max(0.0, next_at - time.monotonic()))
        producer.flush(30)
        total = args.commands + len(paced)
        _wait_for(lambda: _handled(metrics_port) >= total, 120, "paced phase")
        times = read_timestamps(kafka, topics, total)
        paced_keys = {str(c.id).encode() for c in paced}
        drain_latencies = [
            times.answered_ms[k] - times.produced_ms[k]
            for k in times.answered_ms
            if k not in paced_keys and k in times.produced_ms
        ]
        paced_latencies = [
            times.answered_ms[k] - times.produced_ms[k]
            for k in paced_keys
            if k in times.answered_ms
        ]
        figures["drain_latency_ms_p50"] = _percentile(drain_latencies, 0.5)
        figures["drain_latency_ms_p99"] = _percentile(drain_latencies, 0.99)
        figures["paced_rate_per_s"] = args.paced_rate
        figures["paced_latency_ms_p50"] = _percentile(paced_latencies, 0.5)
        figures["paced_latency_ms_p99"] = _percentile(paced_latencies, 0.99)
        figures["paced_latency_ms_mean"] = round(statistics.fmean(paced_latencies), 1)
        figures["rss_after_mib"] = round(_rss_mib(handler.pid), 1)
        figures["pss_after_mib"] = round(_pss_mib(handler.pid), 1)
        figures["batch_size"] = args.batch_size
    finally:
        if handler is not None and handler.running():
            handler.stop()
        producer.flush(5)
        registry.close()
        topics.delete()
        drop_database(admin_url, database_url)
    return figures


def main() -> None:
    """Parse arguments, run, print one line per figure and a JSON line."""
    parser = argparse.ArgumentParser(prog="python -m command_handler.bench")
    parser.add_argument("--commands", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=1_000)
    parser.add_argument("--batch-size", type=int, default=2_000)  # the handler's default
    parser.add_argument("--paced-rate", type=int, default=500, help="commands/s")
    parser.add_argument("--paced-s", type=int, default=10, help="seconds")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--env", action="append", default=[], help="NAME=VALUE for the handler (repeatable)"
    )
    parser.add_argument(
        "--log", default=str(Path(tempfile.gettempdir()) / "command-handler-bench.log")
    )
    figures = run(parser.parse_args())
    for name, value in figures.items():
        print(f"{name:28} {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
