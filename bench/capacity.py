"""``python -m bench capacity``: can the heartbeat and the generator carry a given load?

The benchmark raises the load until the *bank* breaks; this answers the question before
it: do the load services themselves deliver the rate asked of them on this machine? It
runs the real ``HeartbeatSender`` and ``GeneratorLoop`` against the stack's real Kafka and
registry, on topics of their own (so the running bank sees none of it), for ``--seconds``
at ``--rate`` beats/s, and prints the load average before and after, what each stage
delivered per second, and the generator's CPU time per command (its thread's own CPU
clock). Both run in this one process (two threads sharing the GIL), which only makes the
figures a lower bound of what two separate processes achieve. Run it under the shared lock:
it is a benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import random
import threading
import time
import uuid

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.schema_registry import SchemaRegistryClient

from bench.private_topics import private_topics
from bench.stack_access import principal_settings
from load.generator.commands import GeneratorState
from load.generator.mix import GeneratedAccount
from load.generator.service import GeneratorLoop, GeneratorTopics
from load.heartbeat.control import LoadControl, LoadSetting
from load.heartbeat.sender import HeartbeatSender
from topology.clients import consumer_config, producer_config, registry_config
from topology.iban import COMPANY_IBAN, new_token
from topology.records import Heartbeat
from topology.serde import RecordSerde
from topology.settings import KafkaSettings
from topology.topics import ACCOUNT_CREATION_FEEDBACK, COMMANDS, HEARTBEAT

__all__ = ["HELP", "configure", "measure", "run"]

HELP = "can the heartbeat and the command generator carry --rate beats/s on this machine?"
_SLEEP_MS = 100


def _end_offset(consumer: Consumer, topic: str) -> int:
    _, high = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10, cached=False)
    return int(high)


def measure(rate: int, seconds: float) -> dict[str, float]:
    """Drive both services at ``rate`` beats/s for ``seconds``; their delivered rates."""
    # The `tests` principal may create and delete topics of its own.
    kafka, registry = principal_settings()
    suffix = uuid.uuid4().hex[:10]
    topics = GeneratorTopics(
        heartbeat=dataclasses.replace(HEARTBEAT, name=f"capacity_hb_{suffix}", partitions=1),
        feedback=dataclasses.replace(ACCOUNT_CREATION_FEEDBACK, name=f"capacity_acf_{suffix}"),
        commands=dataclasses.replace(COMMANDS, name=f"capacity_cmd_{suffix}", partitions=1),
    )
    created = [topics.heartbeat, topics.feedback, topics.commands]
    with private_topics(kafka, registry, created, client_id="tests"):
        serde = RecordSerde(SchemaRegistryClient(registry_config(registry)))
        ends = Consumer(consumer_config(kafka, client_id="tests", group_id="tests-capacity"))
        try:
            return _drive(kafka, serde, topics, ends, rate, seconds)
        finally:
            ends.close()


def _drive(
    kafka: KafkaSettings,
    serde: RecordSerde,
    topics: GeneratorTopics,
    ends: Consumer,
    rate: int,
    seconds: float,
) -> dict[str, float]:
    control = LoadControl(LoadSetting(batch_size=rate * _SLEEP_MS // 1000, sleep_ms=_SLEEP_MS))
    sender = HeartbeatSender(
        Producer(producer_config(kafka, client_id="tests")),
        lambda beat: serde.serialize(topics.heartbeat, beat),
        control,
        topic=topics.heartbeat,
    )
    # Warm the schema ids (one registry look-up each) before the clock starts.
    serde.serialize(topics.heartbeat, Heartbeat(beat=0))
    consumer = Consumer(
        consumer_config(
            kafka,
            client_id="tests",
            group_id=f"tests-capacity-{uuid.uuid4().hex}",
            store_offsets_after_processing=False,
        )
    )
    generator = GeneratorLoop(
        consumer,
        Producer(producer_config(kafka, client_id="tests")),
        serde,
        # No handler reads the private topics, so a made-up token stands in for the
        # company's secret one.
        GeneratorState(
            company=GeneratedAccount(COMPANY_IBAN, new_token(random.Random(7))),
            rng=random.Random(7),
        ),
        topics,
    )
    stop_generator, stop_sender = threading.Event(), asyncio.Event()
    generator_cpu_s: list[float] = []

    def generate() -> None:
        generator.run(stop_generator)
        # The thread's own CPU clock counts nanoseconds; /proc's thread times count 10 ms
        # ticks, more than a slow run's whole cost.
        generator_cpu_s.append(time.thread_time())

    generator_thread = threading.Thread(target=generate)
    generator_thread.start()

    async def send() -> None:
        task = asyncio.create_task(sender.run(stop_sender))
        await asyncio.sleep(seconds)
        stop_sender.set()
        await task

    sender_thread = threading.Thread(target=asyncio.run, args=(send(),))
    started, commands_before = time.monotonic(), _end_offset(ends, topics.commands.name)
    sender_thread.start()
    sender_thread.join()
    sent_s = time.monotonic() - started
    delivered = control.delivered
    # Give the generator the time it needs to finish the beats sent, then stop it.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if _end_offset(ends, topics.commands.name) - commands_before >= control.next_beat:
            break
        time.sleep(0.2)
    generated_s = time.monotonic() - started
    commands = _end_offset(ends, topics.commands.name) - commands_before
    stop_generator.set()
    generator_thread.join(10)
    consumer.close()
    return {
        "asked_per_s": float(rate),
        "heartbeat_delivered_per_s": delivered / sent_s,
        "generator_commands_per_s": commands / generated_s,
        "generator_cpu_us_per_command": 1e6 * sum(generator_cpu_s) / max(commands, 1),
        "beats_sent": float(control.next_beat),
        "commands": float(commands),
    }


def configure(parser: argparse.ArgumentParser) -> None:
    """The capacity check's options."""
    parser.add_argument("--rate", type=int, default=2500, help="beats per second asked")
    parser.add_argument("--seconds", type=float, default=20.0)


def run(args: argparse.Namespace) -> int:
    """Measure once and print the figures between the load averages."""
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    for name, value in measure(args.rate, args.seconds).items():
        print(f"{name}: {value:,.1f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0
