"""Unit tests of `synchronizer.run.RunReport.summary`: the line a person reads."""

from __future__ import annotations

from synchronizer.run import RunReport
from synchronizer.schema_sync import SchemaReport
from synchronizer.topic_plan import ConfigChange, TopicPlan


def _report(
    created: tuple[str, ...], schemas: SchemaReport, drift: tuple[str, ...] = ()
) -> RunReport:
    plan = TopicPlan(to_create=(), up_to_date=("a", "b"), drift=drift)
    return RunReport(1, 2, plan, created, schemas)


def test_nothing_to_change_is_said_plainly() -> None:
    report = _report((), SchemaReport(up_to_date=["s1", "s2", "s3"]))
    assert not report.changed_anything
    assert report.summary() == (
        "nothing to change: 2 topics and 3 subjects already exist as the topology wants"
    )


def test_changes_are_counted() -> None:
    report = _report(("a",), SchemaReport(registered=[("s1", 1)], compatibility_set=["s1"]))
    assert report.changed_anything
    assert report.summary() == (
        "created 1 topics, registered 1 schemas, set compatibility on 1 subjects"
    )


def test_drift_is_mentioned() -> None:
    report = _report((), SchemaReport(), drift=("topic a: has 1 partitions, topology wants 6",))
    assert report.summary().endswith("; 1 drift findings left as they are (see above)")


def test_configs_set_back_count_as_a_change() -> None:
    plan = TopicPlan(to_create=(), up_to_date=(), drift=())
    change = ConfigChange("commands", "retention.ms", "604800000", "-1")
    report = RunReport(1, 1, plan, (), SchemaReport(up_to_date=["s1"]), (change,))
    assert report.changed_anything
    assert report.summary() == (
        "created 0 topics, set 1 topic configs back (see above), registered 0 schemas, "
        "set compatibility on 0 subjects"
    )
