"""The broker's ACLs refuse what a principal has no business doing, for real.

Each principal connects with its own certificate (the one the stack starts it with). The
refusals: the backend cannot write `balance_changed` nor read `commands`, nor join or commit
in another service's group (it may read their committed offsets, for the dashboard); the heartbeat
cannot write `commands`; the generator cannot read `balance_changed`; the tests principal
cannot change ACLs. Each refusal sits next to an allowed action of the same principal on the
same connection settings, so a broken connection cannot pass for a refusal.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from confluent_kafka import (
    Consumer,
    ConsumerGroupTopicPartitions,
    KafkaError,
    KafkaException,
    Producer,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient
from confluent_kafka.admin._acl import AclOperation
from confluent_kafka.admin._resource import ResourcePatternType, ResourceType

from stack.acls import AclChanges, AclRule, apply_acls, is_authorizer_missing
from stack.certs import broker_name
from stack.layout import StackLayout
from topology.topics import BALANCE_CHANGED, COMMANDS, HEARTBEAT

pytestmark = pytest.mark.integration

KafkaConfig = dict[str, str | int | float | bool]
_TIMEOUT_S = 15.0
_READ = AclOperation.READ


def _kafka_config(env: dict[str, str]) -> KafkaConfig:
    return {
        "bootstrap.servers": env["OPEN_BANK_KAFKA_BOOTSTRAP_SERVERS"],
        "security.protocol": env["OPEN_BANK_KAFKA_SECURITY_PROTOCOL"],
        "ssl.ca.location": env["OPEN_BANK_KAFKA_SSL_CA_LOCATION"],
        "ssl.certificate.location": env["OPEN_BANK_KAFKA_SSL_CERTIFICATE_LOCATION"],
        "ssl.key.location": env["OPEN_BANK_KAFKA_SSL_KEY_LOCATION"],
    }


@pytest.fixture(autouse=True, scope="module")
def authorizer_on(stack_env: dict[str, str], stack_layout: StackLayout) -> None:
    """Make the ACLs the plan (idempotent, as `up` does); fail in one line when the brokers
    run without the authorizer (started before it existed)."""
    try:
        apply_acls(stack_env["OPEN_BANK_KAFKA_BOOTSTRAP_SERVERS"], stack_layout.certs_dir)
    except KafkaException as exc:
        if is_authorizer_missing(exc):
            pytest.fail(
                "Kafka runs without its authorizer: restart it (./bank down && ./bank up)",
                pytrace=False,
            )
        raise


@pytest.fixture
def principal_config(service_env: Callable[[str], dict[str, str]]) -> Callable[[str], KafkaConfig]:
    """`principal_config("backend")`: confluent-kafka settings with that principal's cert."""
    return lambda name: _kafka_config(service_env(name))


def _write_error(config: KafkaConfig, topic: str) -> KafkaError | None:
    """Produce one record to `topic`; the delivery error, or None if the broker took it.

    Not idempotent, so the refusal comes back as this record's delivery error instead of a
    fatal producer error.
    """
    errors: list[KafkaError | None] = []
    producer = Producer({**config, "linger.ms": 0, "acks": "all", "message.timeout.ms": 10_000})
    producer.produce(
        topic,
        key=b"acl-probe",
        # Not a valid record: should a broken ACL let it in, readers dead-letter it.
        value=b"acl probe, must be refused",
        on_delivery=lambda error, _message: errors.append(error),
    )
    producer.flush(_TIMEOUT_S)
    assert errors, f"no delivery report for {topic} within {_TIMEOUT_S} s"
    return errors[0]


def _read_error(config: KafkaConfig, topic: str, group: str) -> KafkaError | None:
    """Fetch from partition 0 of `topic` in `group`: the first error, or None if readable."""
    consumer = Consumer(
        {
            **config,
            "group.id": group,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
        }
    )
    try:
        consumer.assign([TopicPartition(topic, 0)])
        # Long enough for a fetch round trip; an authorised empty partition just stays quiet.
        for _ in range(10):
            message = consumer.poll(0.5)
            if message is None:
                continue
            error = message.error()
            if error is not None:
                return error
            return None
        return None
    finally:
        consumer.close()


def test_backend_cannot_write_balance_changed(
    principal_config: Callable[[str], KafkaConfig],
) -> None:
    error = _write_error(principal_config("backend"), BALANCE_CHANGED.name)
    assert error is not None
    assert error.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED


def test_backend_reads_commands_and_balance_changed_the_generator_not_commands(
    principal_config: Callable[[str], KafkaConfig],
) -> None:
    backend = principal_config("backend")
    group = f"backend-acl-test-{uuid.uuid4().hex[:8]}"  # a group name the backend may use
    # The Events page reads the commands topic (docs/security.md).
    assert _read_error(backend, COMMANDS.name, group) is None
    assert _read_error(backend, BALANCE_CHANGED.name, group) is None
    error = _read_error(principal_config("command-generator"), COMMANDS.name, "command-generator")
    assert error is not None
    assert error.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED


def _join_error(config: KafkaConfig, topic: str, group: str) -> KafkaError | None:
    """Join `group` subscribed to `topic`: the first error, or None if it joined quietly."""
    consumer = Consumer({**config, "group.id": group, "enable.auto.commit": False})
    try:
        consumer.subscribe([topic])
        for _ in range(10):
            message = consumer.poll(0.5)
            error = None if message is None else message.error()
            if error is not None:
                return error
        return None
    finally:
        consumer.close()


def test_backend_cannot_use_a_group_outside_its_prefix(
    principal_config: Callable[[str], KafkaConfig],
) -> None:
    backend = principal_config("backend")
    error = _join_error(backend, BALANCE_CHANGED.name, "command-handler")
    assert error is not None
    assert error.code() == KafkaError.GROUP_AUTHORIZATION_FAILED
    # Nor commit offsets in it, not even for a topic it may read.
    consumer = Consumer({**backend, "group.id": "command-handler", "enable.auto.commit": False})
    try:
        with pytest.raises(KafkaException) as refused:
            consumer.commit(
                offsets=[TopicPartition(BALANCE_CHANGED.name, 0, 0)], asynchronous=False
            )
        assert refused.value.args[0].code() == KafkaError.GROUP_AUTHORIZATION_FAILED
    finally:
        consumer.close()
    # What it may do (the dashboard's lag): read the group's committed offsets.
    admin = AdminClient(backend)  # kept referenced: a collected client never answers
    futures = admin.list_consumer_group_offsets(
        [ConsumerGroupTopicPartitions("command-handler")], request_timeout=_TIMEOUT_S
    )
    assert futures["command-handler"].result(timeout=_TIMEOUT_S).group_id == "command-handler"


def test_heartbeat_may_only_write_heartbeat(principal_config: Callable[[str], KafkaConfig]) -> None:
    heartbeat = principal_config("heartbeat")
    error = _write_error(heartbeat, COMMANDS.name)
    assert error is not None
    assert error.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED
    metadata = AdminClient(heartbeat).list_topics(timeout=_TIMEOUT_S)
    # Topics it may not describe are not even listed.
    assert HEARTBEAT.name in metadata.topics
    assert BALANCE_CHANGED.name not in metadata.topics


def test_generator_cannot_read_balance_changed(
    principal_config: Callable[[str], KafkaConfig],
) -> None:
    error = _read_error(
        principal_config("command-generator"), BALANCE_CHANGED.name, "command-generator"
    )
    assert error is not None
    assert error.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED


@pytest.mark.parametrize("name", ["tests", "backend", "synchronizer"])
def test_no_app_principal_may_grant_itself_rights(
    principal_config: Callable[[str], KafkaConfig], name: str
) -> None:
    admin = AdminClient(principal_config(name))
    everything = AclRule(
        f"User:{name}", ResourceType.TOPIC, "*", ResourcePatternType.LITERAL, AclOperation.ALL
    )
    futures = admin.create_acls([everything.binding()], request_timeout=_TIMEOUT_S)
    with pytest.raises(KafkaException) as refused:
        next(iter(futures.values())).result(timeout=_TIMEOUT_S)
    assert refused.value.args[0].code() == KafkaError.CLUSTER_AUTHORIZATION_FAILED


def test_up_removes_a_hand_made_grant_and_changes_nothing_else(
    stack_env: dict[str, str], stack_layout: StackLayout
) -> None:
    """`apply_acls` (run by every `up`) makes the ACLs exactly the plan, idempotently."""
    bootstrap = stack_env["OPEN_BANK_KAFKA_BOOTSTRAP_SERVERS"]
    name = broker_name(1)  # a super user: the only kind of principal that may change ACLs
    admin = AdminClient(
        {
            "bootstrap.servers": bootstrap,
            "security.protocol": "SSL",
            "ssl.ca.location": str(stack_layout.certs_dir / "ca.pem"),
            "ssl.certificate.location": str(stack_layout.certs_dir / f"{name}.pem"),
            "ssl.key.location": str(stack_layout.certs_dir / f"{name}.key"),
        }
    )
    grant = AclRule(  # not in the plan: the generator only writes commands
        "User:command-generator",
        ResourceType.TOPIC,
        COMMANDS.name,
        ResourcePatternType.LITERAL,
        _READ,
    )
    for future in admin.create_acls([grant.binding()], request_timeout=_TIMEOUT_S).values():
        future.result(timeout=_TIMEOUT_S)
    changes = apply_acls(bootstrap, stack_layout.certs_dir)
    assert changes.created == ()
    assert len(changes.deleted) == 1
    assert "commands" in changes.deleted[0]
    again = apply_acls(bootstrap, stack_layout.certs_dir)
    assert again == AclChanges(created=(), deleted=())
