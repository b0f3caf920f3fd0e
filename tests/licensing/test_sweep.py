"""Continuous enforcement: the sweep (command, actors on a real worker), warnings, restoration."""

from __future__ import annotations

import io
import json
import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command

import governance.licensing.tasks as licence_tasks  # declares the actors before the worker starts
from fixtures import licences
from governance.audit.models import AuditEvent
from governance.licensing.enforcement import sweep
from governance.licensing.models import SweepSchedule
from photai_dam.assets.models import Asset
from tests.licensing.conftest import T0
from tests.plugins.worker import wait_until


def _status(asset):
    return Asset.objects.get(pk=asset.pk).status


def _live_publication(asset):
    from integrations.models import Connection, Publication

    connection = Connection.objects.create(
        workspace=asset.workspace,
        kind="wordpress",
        name=f"site-{str(asset.pk)[:6]}",
        base_url="http://127.0.0.1:9",  # nothing listens: the unpublish attempt itself must not matter here
        channel="web",
        territory="US",
    )
    return Publication.objects.create(
        workspace=asset.workspace,
        asset=asset,
        connection=connection,
        status="live",
        sha256=asset.sha256,
        remote_id="42",
        remote_url="http://127.0.0.1:9/?p=42",
    )


@pytest.fixture
def sweep_now(django_capture_on_commit_callbacks):
    """Sweep and run what it scheduled after commit (e-mails), as a committed transaction would."""

    def _sweep():
        with django_capture_on_commit_callbacks(execute=True):
            return sweep()

    return _sweep


@pytest.fixture
def expiring_family(make_asset, make_model):
    """A stock photo whose licence expires at T0+10d, an AI output of it and a rendition of that output."""
    make_model()
    stock = make_asset(licences.stock(expires_at=T0 + timedelta(days=10)), title="beach")
    output = make_asset(parents=(stock,), model_key="sd-test", title="beach edit")
    rendition = make_asset(parents=(output,), origin="rendition", title="beach edit small")
    return stock, output, rendition


@pytest.mark.django_db(transaction=True)
def test_the_periodic_sweep_on_a_real_worker_unpublishes_marks_notifies_and_audits(
    expiring_family, editor, editor2, brand_reviewer, frozen_clock, worker, settings, caplog
):
    # given a published AI output whose source licence expired yesterday
    caplog.set_level(logging.INFO, logger="governance.licensing.tasks")
    stock, output, rendition = expiring_family
    publication = _live_publication(output)
    frozen_clock.set(T0 + timedelta(days=11))

    # when the periodic actor runs on a worker
    licence_tasks.sweep_licences_periodically.send()

    # then every asset behind the expired licence is marked, and the live publication is taken down
    wait_until(lambda: SweepSchedule.objects.filter(last_run_at__isnull=False).exists(), timeout=30)
    assert {_status(a) for a in (stock, output, rendition)} == {"licence_expired"}
    # (what the CMS then answers is the integrations' business: here nothing listens at its base URL)
    publication.refresh_from_db()
    assert publication.unpublish_reason.startswith("licence_expired")
    assert AuditEvent.objects.filter(action="publication.unpublish", object_id=str(publication.pk)).exists()
    # the editors (not the reviewers) were told, once per asset
    wait_until(lambda: len(mail.outbox) == 3, timeout=10)
    assert all(sorted(m.to) == ["ed2@example.com", "ed@example.com"] for m in mail.outbox)
    assert {m.subject for m in mail.outbox} == {
        "[PhotAI] Licence expired: beach",
        "[PhotAI] Licence expired: beach edit",
        "[PhotAI] Licence expired: beach edit small",
    }
    enforced = AuditEvent.objects.filter(action="licence.enforce", object_id=str(output.pk)).get()
    assert enforced.data["unpublished"] == 1
    assert str(stock.pk) in enforced.data["reasons"][0]
    schedule = SweepSchedule.objects.get()
    assert schedule.next_run_at == frozen_clock.now() + timedelta(seconds=settings.LICENCE_SWEEP_INTERVAL_S)
    assert sorted(schedule.last_result["expired"]) == sorted(str(a.pk) for a in (stock, output, rendition))

    # when a second chain is started within the interval, it stops without sweeping again
    licence_tasks.sweep_licences_periodically.send()
    frozen_clock.advance(timedelta(minutes=1))
    licence_tasks.enforce_asset_licences.send(str(stock.pk))  # and enforcing again changes nothing
    # (worker.join() would wait for the next run, an hour ahead: wait for the actors' own log lines)
    wait_until(lambda: "another chain holds the schedule" in caplog.text, timeout=30)
    wait_until(lambda: f"licence enforcement for {stock.pk}" in caplog.text, timeout=30)
    assert len(mail.outbox) == 3
    assert AuditEvent.objects.filter(action="licence.enforce").count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_revocation_is_enforced_at_once_through_the_worker(
    editor, legal_reviewer, make_asset, make_model, broker, worker
):
    make_model()
    photo = make_asset(licences.owned(), title="portrait")
    output = make_asset(parents=(photo,), model_key="sd-test", title="portrait edit")
    publication = _live_publication(output)

    response = legal_reviewer.client.post(
        f"/api/v1/workspaces/acme/assets/{photo.pk}/licence/revoke",
        {"reason": "model release withdrawn"},
        format="json",
    )
    assert response.status_code == 200

    wait_until(lambda: {_status(photo), _status(output)} == {"licence_revoked"}, timeout=30)
    publication.refresh_from_db()
    assert publication.unpublish_reason.startswith("licence_revoked")
    wait_until(lambda: len(mail.outbox) == 2, timeout=10)
    assert "model release withdrawn" in mail.outbox[0].body


def test_editors_are_warned_once_per_expiry_and_again_after_a_renewal(
    expiring_family, editor, frozen_clock, settings, sweep_now
):
    stock, output, rendition = expiring_family
    settings.LICENCE_EXPIRY_WARNING_DAYS = 7

    frozen_clock.set(T0 + timedelta(days=2))  # 8 days before: not yet
    assert sweep_now().warned == []

    frozen_clock.set(T0 + timedelta(days=4))  # 6 days before: warn every asset behind it
    assert sorted(sweep_now().warned) == sorted(str(a.pk) for a in (stock, output, rendition))
    assert len(mail.outbox) == 3
    assert mail.outbox[0].subject.startswith("[PhotAI] Licence expires in 6 day(s)")

    frozen_clock.advance(timedelta(days=1))
    assert sweep_now().warned == []  # once per asset per expiry
    assert len(mail.outbox) == 3

    # when the licence is renewed with a new expiry that is also close, the new expiry is warned about
    from governance.licensing import record_licence

    record_licence(
        asset=stock, data=licences.stock(expires_at=T0 + timedelta(days=12)), actor=editor.user, source="api"
    )
    assert len(sweep_now().warned) == 3
    assert AuditEvent.objects.filter(action="licence.expiry_warning").count() == 6


def test_a_renewed_licence_restores_the_assets_without_republishing(
    expiring_family, editor, frozen_clock, sweep_now
):
    from governance.licensing import record_licence

    stock, output, rendition = expiring_family
    frozen_clock.set(T0 + timedelta(days=11))
    assert len(sweep_now().expired) == 3
    assert sweep_now().expired == []  # nothing twice

    record_licence(
        asset=stock, data=licences.stock(expires_at=T0 + timedelta(days=400)), actor=editor.user, source="api"
    )
    result = sweep_now()

    assert sorted(result.restored) == sorted(str(a.pk) for a in (stock, output, rendition))
    assert {_status(a) for a in (stock, output, rendition)} == {"active"}
    assert AuditEvent.objects.filter(action="asset.active").count() == 3


def test_the_command_sweeps_and_prints_what_it_did(expiring_family, frozen_clock):
    stock, output, rendition = expiring_family
    frozen_clock.set(T0 + timedelta(days=10))
    out = io.StringIO()

    call_command("sweep_licences", stdout=out)

    result = json.loads(out.getvalue())
    assert sorted(result["expired"]) == sorted(str(a.pk) for a in (stock, output, rendition))
    assert result["unpublished"] == 0


def test_assets_with_valid_licences_are_left_alone(make_asset, frozen_clock, sweep_now):
    fine = make_asset(licences.stock(expires_at=T0 + timedelta(days=100)))
    unknown = make_asset(None)

    result = sweep_now()

    assert result.expired == result.revoked == result.warned == []
    assert _status(fine) == _status(unknown) == "active"


@pytest.mark.django_db(transaction=True)
def test_a_redelivered_chain_message_keeps_the_schedule_alive_but_a_second_chain_stops(
    broker, expiring_family, frozen_clock
):
    from dramatiq.middleware import CurrentMessage

    frozen_clock.set(T0 + timedelta(days=11))
    holder = licence_tasks.sweep_licences_periodically.message()
    intruder = licence_tasks.sweep_licences_periodically.message()
    middleware = CurrentMessage()

    def deliver(message):
        middleware.before_process_message(broker, message)
        try:
            licence_tasks.sweep_licences_periodically.fn()
        finally:
            middleware.after_process_message(broker, message)
        return SweepSchedule.objects.get()

    # the first delivery takes the lease and sweeps
    first = deliver(holder)
    assert first.holder_message_id == holder.message_id
    assert len(first.last_result["expired"]) == 3

    # the same message delivered again (its worker died before the ack) runs again rather than dying
    frozen_clock.advance(timedelta(minutes=5))
    again = deliver(holder)
    assert again.last_run_at == frozen_clock.now()

    # another chain's message within the interval stops without sweeping
    frozen_clock.advance(timedelta(minutes=5))
    stopped = deliver(intruder)
    assert stopped.last_run_at == again.last_run_at
    assert stopped.holder_message_id == holder.message_id
