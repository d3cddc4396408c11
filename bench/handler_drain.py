"""`python -m bench handler`: how fast one command handler drains a full `commands` topic.

Needs the stack up. Makes a throwaway database and private topics, starts one
`python -m command_handler` on them (migrated first, as the stack does) and measures its
idle memory, stops it, prefills 1,000 accounts, produces 100,000 commands of the command
generator's mix, then starts the handler again on the full topic. Prints one line per
figure and then all of them as one JSON line: commands/s while draining,
produce-to-feedback latency (p50/p99, from Kafka timestamps), the handler's CPU, RSS and
PSS idle, at peak and after, the seconds per phase from its /metrics, and a paced phase
(a steady rate, no backlog) for latency. Removes everything it made. The handler is a
black box here: only its environment, its log, its /metrics and its topics are used.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
from confluent_kafka import Producer

from bench.drain_workload import (
    BenchAccount,
    mixed_command,
    percentile,
    prefill_accounts,
    produce_commands,
    read_timestamps,
)
from bench.handler_metrics import handled_commands, phase_seconds
from bench.handler_process import HandlerProcess, free_port, migrate_handler_database
from bench.private_topics import prefixed, private_topics
from bench.process_memory import RssSampler, pss_mib, rss_mib, rss_split_mib
from bench.stack_access import kafka_settings_from_env, registry_client, registry_settings_from_env
from bench.throwaway_database import throwaway_database
from stack.env import service_env
from stack.layout import StackLayout
from stack.postgres import admin_database_url
from topology.clients import producer_config
from topology.serde import RecordSerde
from topology.settings import KafkaSettings
from topology.topics import (
    ACCOUNT_CREATION_FEEDBACK,
    BALANCE_CHANGED,
    COMMANDS,
    DEAD_LETTER,
    MONEY_TRANSFER_FEEDBACK,
    Topic,
)

__all__ = ["HELP", "configure", "run"]

HELP = "drain 100,000 commands with one command handler: commands/s, latency, CPU, RSS"
_CLIENT_ID = "bench-command-handler"
# What `python -m command_handler` reads and writes, each under its topic prefix
# (OPEN_BANK_COMMAND_HANDLER_TOPIC_PREFIX).
_HANDLER_TOPICS = (
    COMMANDS,
    ACCOUNT_CREATION_FEEDBACK,
    MONEY_TRANSFER_FEEDBACK,
    BALANCE_CHANGED,
    DEAD_LETTER,
)


@dataclass(frozen=True)
class _Rig:
    """What one run works with: the private topics, the producer and the handler's env."""

    kafka: KafkaSettings
    commands: Topic
    feedback: tuple[Topic, Topic]
    producer: Producer
    serde: RecordSerde
    env: dict[str, str]
    log_path: Path
    metrics_port: int


def configure(parser: argparse.ArgumentParser) -> None:
    """The drain's options."""
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


def run(args: argparse.Namespace) -> int:
    """Run the drain; print one line per figure and a JSON line."""
    figures = measure(args)
    for name, value in figures.items():
        print(f"{name:28} {value}")
    print(json.dumps(figures))
    return 0


def _wait_for(predicate: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout_s} s")
        time.sleep(0.2)


def _stop_if_running(handler: HandlerProcess) -> None:
    if handler.running():
        handler.stop()


def _handler_env(layout: StackLayout, bench_env: dict[str, str]) -> dict[str, str]:
    # Private topics, groups and transactional ids are the `tests` principal's (see
    # docs/security.md): the harness and the handler under measurement both use it.
    env = service_env("command-handler", layout)
    for name in ("OPEN_BANK_KAFKA_SSL_CERTIFICATE_LOCATION", "OPEN_BANK_KAFKA_SSL_KEY_LOCATION"):
        env[name] = bench_env[name]
    return env


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Run the benchmark on the stack of `OPEN_BANK_RUN_DIR`; returns the figures."""
    layout = StackLayout.from_environ()
    bench_env = service_env("tests", layout)
    kafka = kafka_settings_from_env(bench_env)
    registry = registry_settings_from_env(bench_env)
    prefix = f"t{uuid.uuid4().hex[:10]}-"
    topics = prefixed(_HANDLER_TOPICS, prefix)
    log_path = Path(args.log)
    log_path.write_text("")  # "partitions assigned" must come from this run
    with ExitStack() as stack:
        database_url = stack.enter_context(
            throwaway_database(admin_database_url(layout), "ch_bench")
        )
        stack.enter_context(private_topics(kafka, registry, topics, _CLIENT_ID))
        schema_registry = stack.enter_context(registry_client(registry.url))
        producer = Producer(
            producer_config(kafka, client_id=_CLIENT_ID, overrides={"linger.ms": 20})
        )
        stack.callback(producer.flush, 5)
        metrics_port = free_port()
        env = {
            **_handler_env(layout, bench_env),
            "OPEN_BANK_DATABASE_URL": database_url,
            "OPEN_BANK_COMMAND_HANDLER_TOPIC_PREFIX": prefix,
            "OPEN_BANK_COMMAND_HANDLER_GROUP_ID": f"{_CLIENT_ID}-{uuid.uuid4().hex[:8]}",
            "OPEN_BANK_COMMAND_HANDLER_INSTANCE": f"bench-{uuid.uuid4().hex[:8]}",
            "OPEN_BANK_COMMAND_HANDLER_METRICS_PORT": str(metrics_port),
            "OPEN_BANK_COMMAND_HANDLER_BATCH_SIZE": str(args.batch_size),
            **dict(item.split("=", 1) for item in args.env),
        }
        rig = _Rig(
            kafka=kafka,
            commands=topics[0],
            feedback=(topics[1], topics[2]),
            producer=producer,
            serde=RecordSerde(schema_registry),
            env=env,
            log_path=log_path,
            metrics_port=metrics_port,
        )
        figures: dict[str, Any] = {"commands": args.commands, "accounts": args.accounts}
        migrate_handler_database(env)
        figures |= _idle(rig)
        rng = random.Random(args.seed)
        accounts = prefill_accounts(database_url, args.accounts, rng)
        # The migration step gave the database the stack's company key, from the same env.
        company_token = env["OPEN_BANK_COMPANY_TOKEN"]
        commands = [mixed_command(accounts, company_token, rng) for _ in range(args.commands)]
        handler = HandlerProcess(env, log_path)
        stack.callback(_stop_if_running, handler)
        figures |= _drain(rig, handler, commands)
        figures |= _paced(rig, handler, args, accounts, rng)
        figures["batch_size"] = args.batch_size
    return figures


def _idle(rig: _Rig) -> dict[str, Any]:
    """Started on the empty topic, assigned, then measured."""
    handler = HandlerProcess(rig.env, rig.log_path).start()
    try:
        _wait_for(lambda: "partitions assigned" in rig.log_path.read_text(), 60, "assignment")
        time.sleep(3)
        return {
            "rss_idle_mib": round(rss_mib(handler.pid), 1),
            "pss_idle_mib": round(pss_mib(handler.pid), 1),
            # File-backed pages depend on the kernel too: how much of a library one page
            # fault maps differs between kernels.
            "rss_idle_anon_file_mib": rss_split_mib(Path(f"/proc/{handler.pid}/status")),
        }
    finally:
        handler.stop()


def _drain(rig: _Rig, handler: HandlerProcess, commands: Sequence[Any]) -> dict[str, Any]:
    """Produce `commands`, then start `handler` on the full topic and time the drain."""
    figures: dict[str, Any] = {}
    started = time.monotonic()
    produce_commands(rig.producer, rig.serde, rig.commands, commands)
    figures["prefill_s"] = round(time.monotonic() - started, 1)
    handler.start()
    sampler = RssSampler(handler.pid)
    sampler.start()
    started = time.monotonic()
    _wait_for(lambda: handled_commands(rig.metrics_port) >= len(commands), 600, "drain")
    figures["drain_wall_s"] = round(time.monotonic() - started, 2)
    figures["phase_seconds"] = phase_seconds(rig.metrics_port)
    cpu = psutil.Process(handler.pid).cpu_times()
    cpu_s = cpu.user + cpu.system
    sampler.stop()
    # CPU the handler used (start-up included): the figure that does not depend on how
    # busy the machine is.
    figures["handler_cpu_s"] = round(cpu_s, 2)
    figures["cpu_ms_per_1000_commands"] = round(cpu_s * 1000 / len(commands) * 1000, 1)
    figures["load_average_1m"] = round(psutil.getloadavg()[0], 1)
    figures["rss_peak_mib"] = round(sampler.peak_mib, 1)
    figures["rss_peak_anon_file_mib"] = sampler.peak_split_mib
    times = read_timestamps(rig.kafka, _CLIENT_ID, rig.commands, rig.feedback, len(commands))
    answered = sorted(times.answered_ms.values())
    figures["answered"] = len(answered)
    drain_s = (answered[-1] - answered[0]) / 1000
    figures["drain_s"] = round(drain_s, 2)
    figures["commands_per_s"] = round(len(answered) / drain_s)
    figures["commands_per_s_incl_start"] = round(len(answered) / figures["drain_wall_s"])
    return figures


def _paced(
    rig: _Rig,
    handler: HandlerProcess,
    args: argparse.Namespace,
    accounts: list[BenchAccount],
    rng: random.Random,
) -> dict[str, Any]:
    """A steady rate with no backlog, for latency; the drain's latency read beside it."""
    company_token = rig.env["OPEN_BANK_COMPANY_TOKEN"]
    paced = [
        mixed_command(accounts, company_token, rng) for _ in range(args.paced_rate * args.paced_s)
    ]
    interval = 1 / args.paced_rate
    next_at = time.monotonic()
    for command in paced:
        value = rig.serde.serialize(rig.commands, command)
        rig.producer.produce(rig.commands.name, key=str(command.id).encode(), value=value)
        rig.producer.poll(0)
        next_at += interval
        time.sleep(max(0.0, next_at - time.monotonic()))
    rig.producer.flush(30)
    total = args.commands + len(paced)
    _wait_for(lambda: handled_commands(rig.metrics_port) >= total, 120, "paced phase")
    times = read_timestamps(rig.kafka, _CLIENT_ID, rig.commands, rig.feedback, total)
    paced_keys = {str(c.id).encode() for c in paced}
    drain_latencies = [
        times.answered_ms[k] - times.produced_ms[k]
        for k in times.answered_ms
        if k not in paced_keys and k in times.produced_ms
    ]
    paced_latencies = [
        times.answered_ms[k] - times.produced_ms[k] for k in paced_keys if k in times.answered_ms
    ]
    return {
        "drain_latency_ms_p50": percentile(drain_latencies, 0.5),
        "drain_latency_ms_p99": percentile(drain_latencies, 0.99),
        "paced_rate_per_s": args.paced_rate,
        "paced_latency_ms_p50": percentile(paced_latencies, 0.5),
        "paced_latency_ms_p99": percentile(paced_latencies, 0.99),
        "paced_latency_ms_mean": round(statistics.fmean(paced_latencies), 1),
        "rss_after_mib": round(rss_mib(handler.pid), 1),
        "pss_after_mib": round(pss_mib(handler.pid), 1),
    }
