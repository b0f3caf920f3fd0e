"""The audit log: every state change is chained; edits and deletions are detected by audit_verify;
concurrent writers on PostgreSQL never fork the chain; failed authentication is recorded."""

from __future__ import annotations

import itertools
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections

from governance import audit
from governance.audit.chain import GENESIS_HASH, verify_chain
from governance.audit.models import AuditEvent
from photai_dam.workspaces.models import Membership
from tests.plugins.services import require_or_skip


def _on_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.mark.django_db
def test_audit_verify_passes_on_an_untouched_chain(editor, upload, capsys):
    upload()
    call_command("audit_verify")
    out = capsys.readouterr().out
    assert "audit chain OK" in out
    assert f"{AuditEvent.objects.count()} events" in out


@pytest.mark.django_db
def test_the_chain_links_each_event_to_the_previous_one(workspace, editor, upload):
    upload()
    events = list(AuditEvent.objects.order_by("id"))
    assert events[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    assert {"workspace.create", "member.add", "asset.upload", "licence.set"} <= {e.action for e in events}


@pytest.mark.django_db
def test_record_derives_workspace_type_and_id_from_the_row(workspace, editor):
    membership = Membership.objects.get(workspace=workspace, user=editor.user)

    # the row form: workspace, object type and id come from the row
    derived = audit.record(membership, "test.derived", actor=editor.user, data={"n": 1})
    # the keyword form names them; both write the same event
    named = audit.record(
        "test.named",
        actor=editor.user,
        workspace=workspace,
        object_type="membership",
        object_id=membership.pk,
        data={"n": 1},
    )
    # a workspace is its own workspace; a keyword given wins over the derived value
    of_workspace = audit.record(workspace, "test.workspace", object_id="custom")

    for event in (derived, named):
        assert (event.workspace_slug, event.object_type, event.object_id, event.actor_label) == (
            "acme",
            "membership",
            str(membership.pk),
            "ed",
        )
    assert (of_workspace.workspace_slug, of_workspace.object_type, of_workspace.object_id) == (
        "acme",
        "workspace",
        "custom",
    )
    assert verify_chain() is None
    with pytest.raises(TypeError):
        audit.record(membership)  # a row without an action
    with pytest.raises(TypeError):
        audit.record("test.x", "test.y")  # two actions


@pytest.mark.django_db
def test_the_orm_refuses_to_change_or_delete_an_event(workspace):
    event = AuditEvent.objects.first()
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


@pytest.mark.django_db
def test_the_postgresql_trigger_refuses_update_and_delete(workspace):
    require_or_skip(_on_postgres(), "the append-only trigger exists on PostgreSQL only")
    from django.db import DatabaseError, transaction

    event = AuditEvent.objects.first()
    for sql in (
        "UPDATE audit_auditevent SET action = 'x' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])


def _raw_sql(sql: str, params: list) -> None:
    """Change the table behind the application's back, as an attacker with database access would."""
    with connection.cursor() as cursor:
        if _on_postgres():
            # Deferred foreign-key checks of the test's own transaction must fire before ALTER TABLE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        try:
            cursor.execute(sql, params)
        finally:
            if _on_postgres():
                cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")


@pytest.mark.django_db
def test_an_edited_event_makes_audit_verify_fail_and_name_it(editor, upload):
    upload()
    target = AuditEvent.objects.filter(action="asset.upload").get()

    # when someone edits the event's data with raw SQL
    _raw_sql("UPDATE audit_auditevent SET data = %s WHERE id = %s", ['{"sha256": "forged"}', target.pk])

    # then audit_verify exits non-zero naming exactly that event
    with pytest.raises(CommandError) as failure:
        call_command("audit_verify")
    assert failure.value.returncode == 1
    assert f"event #{target.pk}" in str(failure.value)
    assert "edited" in str(failure.value)


@pytest.mark.django_db
def test_a_deleted_event_makes_audit_verify_fail_at_the_next_one(editor, upload):
    upload()
    events = list(AuditEvent.objects.order_by("id").values_list("id", flat=True))
    victim, following = events[1], events[2]

    _raw_sql("DELETE FROM audit_auditevent WHERE id = %s", [victim])

    problem = verify_chain()
    assert problem is not None and problem.event_id == following
    with pytest.raises(CommandError, match=f"event #{following}"):
        call_command("audit_verify")


def test_audit_verify_exits_non_zero_as_a_process(tmp_path):
    """The command line contract: a non-zero exit status and the event's id on stderr."""
    import os
    import subprocess
    import sys

    database = tmp_path / "audit.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "PHOTAI_VAR_DIR": str(tmp_path)}
    env.pop("PHOTAI_TESTING", None)
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, "manage.py", *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert run("migrate", "--no-input", "-v0").returncode == 0
    assert run("seed_demo").returncode == 0
    ok = run("audit_verify")
    assert ok.returncode == 0, ok.stderr

    import sqlite3

    with sqlite3.connect(database) as db:
        db.execute("UPDATE audit_auditevent SET actor_label = 'mallory' WHERE id = 3")
    bad = run("audit_verify")
    assert bad.returncode == 1
    assert "event #3" in bad.stderr


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_on_postgresql_leave_one_chain(workspace):
    require_or_skip(_on_postgres(), "concurrent appends need PostgreSQL (SQLite serialises every writer)")
    threads_count, per_thread = 8, 15
    barrier = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                audit.record("test.concurrent", workspace=workspace, object_type="t", object_id=f"{n}-{i}")
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(threads_count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    events = list(AuditEvent.objects.order_by("id"))
    assert sum(e.action == "test.concurrent" for e in events) == threads_count * per_thread
    # one chain: no two events share a predecessor, and every link holds
    prevs = [e.prev_hash for e in events]
    assert len(prevs) == len(set(prevs))
    assert verify_chain() is None


@pytest.mark.django_db
def test_a_refused_api_token_is_recorded_without_the_token(client):
    from django.core.cache import cache

    cache.clear()  # earlier tests' failures from this address must not count against this one
    response = client.get("/api/v1/workspaces", HTTP_AUTHORIZATION="Token not-a-real-token-123")
    assert response.status_code == 401

    event = AuditEvent.objects.filter(action="auth.token_failed").get()
    assert event.actor_label == "anonymous"
    assert event.data["ip"] == "127.0.0.1"
    assert event.data["path"] == "/api/v1/workspaces"
    assert "not-a-real-token" not in str(event.data) + event.object_id
    assert len(event.object_id) == 16  # a fingerprint, so repeated attempts with one key correlate


@pytest.mark.django_db
def test_a_failed_sign_in_is_recorded(client, editor):
    from django.core.cache import cache

    cache.clear()
    response = client.post("/login/", {"username": "ed", "password": "wrong"})
    assert response.status_code == 200  # the form again, with an error

    event = AuditEvent.objects.filter(action="auth.login_failed").get()
    assert event.data["username"] == "ed"
    assert "wrong" not in str(event.data)
    assert verify_chain() is None


@pytest.mark.django_db
def test_changes_through_the_django_admin_are_recorded(client):
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    superuser = users.create_superuser("root", "root@example.com", "pw-root-123")
    leaver = users.create_user("leaver", "leaver@example.com", "pw-leaver-123")
    client.force_login(superuser)

    response = client.post(f"/admin/auth/user/{leaver.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    event = AuditEvent.objects.filter(action="admin.delete").get()
    assert (event.actor_label, event.object_type, event.object_id) == ("root", "auth.user", str(leaver.pk))
    assert event.data["repr"] == "leaver"
    assert verify_chain() is None


@pytest.mark.django_db
def test_a_spray_of_bad_tokens_is_audited_without_flooding_the_chain(client, settings):
    from django.core.cache import cache

    cache.clear()
    settings.AUDIT_AUTH_FAILURES_PER_MINUTE = 3
    for i in range(10):
        response = client.get("/api/v1/workspaces", HTTP_AUTHORIZATION=f"Token guess-{i}")
        assert response.status_code == 401  # every attempt is still refused

    assert AuditEvent.objects.filter(action="auth.token_failed").count() == 3
    throttled = AuditEvent.objects.filter(action="auth.failures_throttled").get()
    assert throttled.object_id == "127.0.0.1"
    assert throttled.data["limit_per_minute"] == 3
    assert verify_chain() is None
