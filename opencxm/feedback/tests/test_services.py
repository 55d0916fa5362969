"""The feedback write side: idempotent upsert, rollups after every write, pseudonyms, erasure, concurrency."""

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection, connections
from django.utils import translation

from opencxm.analytics.models import FeedbackRollup
from opencxm.analytics.runner import QuerySpec, run_one
from opencxm.core.models import AuditEntry
from opencxm.feedback import services
from opencxm.feedback.models import Customer, CustomerContact, DataSource, Feedback, Measurement
from opencxm.feedback.pseudonyms import pseudonymise
from tests import factories as f

WHEN = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def record(external_id, **values):
    return {"external_id": external_id, "responded_at": WHEN, **values}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def source(world):
    return DataSource.objects.create(name="Umfrage", owner_department=world.own)


def test_pseudonym_is_keyed_stable_and_normalised(settings):
    settings.OPENCXM_PSEUDONYM_KEY = "k1"
    first = pseudonymise("K-001")
    assert first == pseudonymise("  k-001 ")
    assert len(first) == 64 and first != "K-001"
    settings.OPENCXM_PSEUDONYM_KEY = "k2"
    assert pseudonymise("K-001") != first


def test_upsert_inserts_then_reports_unchanged_and_updates(source, world):
    records = [record("a", nps=9, touchpoint="tp-own"), record("b", nps=3, touchpoint="Vertragsabschluss")]
    assert services.feedback_upsert_batch(source=source, records=records) == services.Counts(2, 0, 0)
    assert services.feedback_upsert_batch(source=source, records=records) == services.Counts(0, 0, 2)
    changed = [record("a", nps=10, touchpoint="TP-OWN"), records[1], record("c", csat=4)]
    assert services.feedback_upsert_batch(source=source, records=changed) == services.Counts(1, 1, 1)
    rows = dict(Feedback.objects.values_list("external_id", "nps"))
    assert rows == {"a": 10, "b": 3, "c": None}
    assert Feedback.objects.get(external_id="b").touchpoint == world.other_touchpoint


def test_upsert_uses_fixed_touchpoint_and_source_kind(source, world):
    source.fixed_touchpoint = world.touchpoint
    source.kind = "complaints"
    source.save()
    services.feedback_upsert_batch(source=source, records=[record("x")])
    stored = Feedback.objects.get()
    assert (stored.touchpoint, stored.kind) == (world.touchpoint, "complaint")


def test_unknown_reference_rejects_the_whole_batch(source):
    records = [record("a", nps=9), record("b", touchpoint="nope"), record("c", channel="fax")]
    with pytest.raises(services.RecordsRejected) as rejected:
        services.feedback_upsert_batch(source=source, records=records)
    assert [(e.index, e.field, e.value) for e in rejected.value.errors] == [
        (1, "touchpoint", "nope"),
        (2, "channel", "fax"),
    ]
    assert Feedback.objects.count() == 0


def test_rollups_follow_every_write_including_moves_between_days(source, world):
    services.feedback_upsert_batch(source=source, records=[record("a", nps=10, touchpoint="TP-OWN")])
    spec = QuerySpec("nps", touchpoints=(world.touchpoint.pk,))
    assert (run_one(spec).value, run_one(spec).n) == (100.0, 1)
    moved = record("a", nps=0, touchpoint="TP-OWN", responded_at=datetime(2026, 3, 5, 9, tzinfo=UTC))
    services.feedback_upsert_batch(source=source, records=[moved])
    assert (run_one(spec).value, run_one(spec).n) == (-100.0, 1)
    assert list(FeedbackRollup.objects.values_list("day", "records")) == [(datetime(2026, 3, 5).date(), 1)]


def test_raw_customer_reference_is_never_stored(source):
    services.feedback_upsert_batch(source=source, records=[record("a", customer_ref="KD-4711", comment="gut")])
    services.feedback_upsert_batch(source=source, records=[record("b", customer_ref=" kd-4711")])
    customer = Customer.objects.get()
    assert customer.pseudonym == pseudonymise("KD-4711")
    assert Feedback.objects.filter(customer=customer).count() == 2
    generated = {"public_id", "created_at", "updated_at", "responded_at"}  # random or clock digits, not input
    for row in [*Feedback.objects.values(), *Customer.objects.values()]:
        assert "4711" not in repr({name: value for name, value in row.items() if name not in generated})


def test_contact_is_stored_only_with_consent(source):
    contact = {"consent": False, "email": "erika@example.com"}
    services.feedback_upsert_batch(source=source, records=[record("a", customer_ref="K1", contact=contact)])
    assert CustomerContact.objects.count() == 0
    contact = {"consent": True, "email": "erika@example.com", "name": "Erika"}
    services.feedback_upsert_batch(source=source, records=[record("a", customer_ref="K1", contact=contact)])
    assert list(CustomerContact.objects.values_list("email", "name")) == [("erika@example.com", "Erika")]


def test_customer_erase_is_one_operation(source, world):
    contact = {"consent": True, "email": "erika@example.com"}
    services.feedback_upsert_batch(
        source=source,
        records=[
            record("a", customer_ref="K1", comment="Ich heiße Erika", nps=9, contact=contact, attributes={"x": 1})
        ],
    )
    customer = Customer.objects.get()
    assert FeedbackRollup.objects.get().comments == 1
    assert services.customer_erase(actor=world.users["admin"], customer=customer) == 1
    assert (Customer.objects.count(), CustomerContact.objects.count()) == (0, 0)
    assert list(Feedback.objects.values_list("customer", "comment", "attributes", "nps")) == [(None, "", {}, 9)]
    assert FeedbackRollup.objects.get().comments == 0
    assert AuditEntry.objects.filter(object_type="feedback.customer", action="delete").count() == 1


def test_measurements_upsert_by_source_touchpoint_metric_day(source, world):
    row = {"source": source, "touchpoint": world.touchpoint, "metric": "contacts", "day": WHEN.date(), "value": 120.0,
           "count": 1}  # fmt: skip
    assert services.measurements_upsert(actor=None, rows=[row]) == services.Counts(1, 0, 0)
    assert services.measurements_upsert(actor=None, rows=[row]) == services.Counts(0, 0, 1)
    assert services.measurements_upsert(actor=None, rows=[row | {"value": 130.0}]) == services.Counts(0, 1, 0)
    assert list(Measurement.objects.values_list("metric", "value")) == [("contacts", 130.0)]


def test_data_source_delete_refuses_sources_with_data(source, world):
    services.feedback_upsert_batch(source=source, records=[record("a")])
    with pytest.raises(services.SourceInUse):
        services.data_source_delete(actor=world.users["admin"], source=source)
    empty = DataSource.objects.create(name="leer")
    services.data_source_delete(actor=world.users["admin"], source=empty)
    assert list(DataSource.objects.values_list("name", flat=True)) == ["Umfrage"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_overlapping_batches_end_with_exactly_the_expected_rows():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    source = DataSource.objects.create(name="parallel")
    f.ChannelFactory(code="web")
    batches = [[record(f"id-{i}", nps=i % 11) for i in range(start, start + 300)] for start in (0, 150, 100, 250)]
    errors = []

    def send(batch):
        try:
            services.feedback_store(actor=None, items=[(source, r) for r in batch])
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Feedback.objects.count() == 550
    assert Feedback.objects.values("external_id").distinct().count() == 550
    assert FeedbackRollup.objects.get().records == 550
