"""The reviewer and audit pages. Views only gather and render; every change goes through the actions."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from governance import licensing, ports, provenance
from governance.audit.api.views import export_response, filter_events
from governance.audit.auth import ThrottledAuthenticationForm
from governance.audit.evidence import event_dict, model_dict, prompt_hash
from governance.audit.models import AuditEvent
from governance.ports import PublicationSummary
from governance.reviews import actions as review_actions
from governance.reviews.api.views import assigned_to, reviews_queryset
from governance.reviews.choices import DecisionKind, ReviewStatus
from governance.reviews.models import Review
from governance.reviews.summary import review_dict
from photai_dam.api.errors import ApiError
from photai_dam.assets.choices import Origin
from photai_dam.assets.models import Asset
from photai_dam.jobs import prompts
from photai_dam.jobs.models import JobOutput
from photai_dam.workspaces.access import WorkspaceAccess, workspace_access
from photai_dam.workspaces.choices import Role
from photai_dam.workspaces.models import Membership

AI_ORIGINS = [Origin.AI_GENERATED, Origin.AI_EDITED, Origin.RENDITION]
AUDIT_PAGE_ROWS = 200
QUEUE_ROWS = 200


def _user_id(request: HttpRequest) -> int:
    return int(request.user.pk or 0)  # login_required guarantees a user


def _access(request: HttpRequest, slug: str) -> WorkspaceAccess:
    try:
        return workspace_access(request.user, slug)
    except ApiError:
        raise Http404("No such workspace.") from None


class SignInView(auth_views.LoginView):
    """``/login/``: Django's sign-in, throttled per account and client address (429 with Retry-After)."""

    template_name = "web/login.html"
    redirect_authenticated_user = True
    authentication_form = ThrottledAuthenticationForm

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        throttled = getattr(form, "throttled", None)
        if throttled is not None:
            response.status_code = 429
            response["Retry-After"] = str(throttled.retry_after_s)
        return response


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("web:queue")


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The reviewer's queue: what I may decide now, then the other open reviews of my workspaces."""
    memberships = Membership.objects.filter(user_id=_user_id(request)).select_related("workspace")
    mine: list[dict[str, Any]] = []
    others: list[dict[str, Any]] = []
    for membership in memberships:
        access = WorkspaceAccess(workspace=membership.workspace, membership=membership)
        open_reviews = reviews_queryset().filter(workspace=membership.workspace, status=ReviewStatus.OPEN)
        # Oldest first, so nothing waits forever; bounded so a backlog cannot make the page unusable.
        assigned = list(assigned_to(open_reviews, access).order_by("created_at")[:QUEUE_ROWS])
        assigned_ids = {r.pk for r in assigned}
        mine += [_row(r) for r in assigned]
        others += [
            _row(r) for r in open_reviews.exclude(pk__in=assigned_ids).order_by("created_at")[:QUEUE_ROWS]
        ]
    admin_of = [m.workspace for m in memberships if m.has_role(Role.ADMIN)]
    return render(request, "web/queue.html", {"assigned": mine, "others": others, "admin_of": admin_of})


def _row(review: Review) -> dict[str, Any]:
    return {
        "review": review,
        "workspace": review.workspace,
        "asset": review.asset,
        "stage": review.current_stage_key,
        "requested_by": review.requested_by.get_username() if review.requested_by else "",
        "url": reverse("web:review", kwargs={"slug": review.workspace.slug, "review_id": review.pk}),
    }


@login_required
@require_http_methods(["GET", "POST"])
def review_page(request: HttpRequest, slug: str, review_id: Any) -> HttpResponse:
    access = _access(request, slug)
    review = reviews_queryset().filter(workspace=access.workspace, pk=review_id).first()
    if review is None:
        raise Http404("No such review.")
    error: ApiError | None = None
    if request.method == "POST":
        try:
            done = _handle_post(request, access, review)
        except ApiError as exc:
            error = exc
        else:
            messages.success(request, done)
            return HttpResponseRedirect(request.path)
        review = reviews_queryset().get(pk=review.pk)
    context = _review_context(request, access, review)
    context["error"] = error
    if error is not None:
        context["form_values"] = {
            "comment": request.POST.get("comment", ""),
            "decision": request.POST.get("decision", ""),
        }
    return render(request, "web/review.html", context, status=error.status_code if error else 200)


def _handle_post(request: HttpRequest, access: WorkspaceAccess, review: Review) -> str:
    what = request.POST.get("action", "decide")
    comment = request.POST.get("comment", "")[:5000]
    if what == "withdraw":
        review_actions.withdraw(access, review, comment=comment)
        return "The review was withdrawn."
    if what == "reopen":
        review_actions.reopen(access, review, comment=comment)
        return "The review was reopened for a new round of decisions."
    decision = request.POST.get("decision", "")
    if decision not in DecisionKind.values:
        raise ApiError("invalid_decision", "Choose approve, request changes or reject.")
    stage = review.current_stage_key
    updated = review_actions.decide(
        access, review, decision=decision, comment=comment, sha256=request.POST.get("sha256", "")
    )
    label = DecisionKind(decision).label
    now = updated.get_status_display().lower()
    return f"{label}: recorded for the {stage or 'review'} stage. The review is now {now}."


def _review_context(request: HttpRequest, access: WorkspaceAccess, review: Review) -> dict[str, Any]:
    asset = review.asset
    user = access.membership.user
    sources = [
        {"asset": link.parent, "relationship": link.get_relationship_display()}
        for link in asset.parent_links.select_related("parent").order_by("position")
    ]
    job_link = JobOutput.objects.filter(asset=asset).select_related("job", "job__created_by").first()
    job = job_link.job if job_link else None
    show_prompt = job is not None and prompts.prompt_visible(job, access)
    provenance_summary = _provenance(asset)
    if provenance_summary and not show_prompt:
        provenance_summary = _without_prompt(provenance_summary)
    licence = _licence(asset)
    stage = review.stage
    can_decide, why_not = False, ""
    if stage is not None:
        if not access.has_role(stage["role"]):
            why_not = f"The {stage['key']} stage is decided by the {stage['role'].replace('_', ' ')} role."
        else:
            try:
                review_actions.check_separation(review, user, DecisionKind.APPROVE)
                can_decide = True
            except ApiError as exc:
                # Someone excluded from approving may still refuse unless they asked for the review.
                why_not = exc.message
                can_decide = exc.details.get("rule") == "one_stage_per_person"
    return {
        "workspace": access.workspace,
        "review": review,
        "summary": review_dict(review),
        "asset": asset,
        "sources": sources,
        "job": job,
        "model": _model(job.model_key) if job and job.model_key else None,
        "prompt": job.prompt if job and show_prompt else None,
        "prompt_sha256": prompt_hash(job.prompt) if job else None,
        "provenance": _facts(provenance_summary),
        "licence": _facts(licence, skip=REASON_KEYS),
        "licence_reasons": _reasons(licence),
        "can_decide": can_decide,
        "approve_blocked": bool(why_not) and can_decide,
        "why_not": why_not,
        "can_withdraw": review.status == ReviewStatus.OPEN
        and (review.requested_by_id == user.pk or access.has_role(Role.ADMIN)),
        "can_reopen": review.status == ReviewStatus.APPROVED
        and review.kind == "workflow"
        and access.has_role(Role.ADMIN),
        "decisions": DecisionKind.choices,
        "form_values": {},
    }


REASON_KEYS = ("derivation", "reasons")


def _without_prompt(provenance: dict[str, Any]) -> dict[str, Any]:
    """The provenance summary minus the prompt a workspace may write into its manifests."""
    manifest = dict(provenance.get("manifest") or {})
    generation = manifest.get("generation")
    if isinstance(generation, dict) and "prompt" in generation:
        manifest["generation"] = {k: v for k, v in generation.items() if k != "prompt"}
    return {**provenance, "manifest": manifest} if provenance.get("manifest") else provenance


def _facts(data: dict[str, Any] | None, *, skip: tuple[str, ...] = ()) -> list[dict[str, Any]] | None:
    """A summary dict as label/value rows: scalars inline, nested values as indented JSON to expand."""
    if data is None:
        return None
    rows = []
    for key, value in data.items():
        if key in skip:
            continue
        label = key.replace("_", " ")
        if isinstance(value, dict | list) and value:
            rows.append({"label": label, "block": json.dumps(value, indent=2, sort_keys=True, default=str)})
        else:
            rows.append({"label": label, "value": _scalar(value)})
    return rows


def _scalar(value: Any) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if value is None or value in ([], {}, ""):
        return "—"
    return str(value)


def _reasons(licence: dict[str, Any] | None) -> list[dict[str, str]]:
    if not licence:
        return []
    found: list[Any] = next((licence[k] for k in REASON_KEYS if isinstance(licence.get(k), list)), [])
    return [r if isinstance(r, dict) else {"message": str(r)} for r in found]


def _model(key: str) -> dict[str, Any]:
    return model_dict(key)


def _provenance(asset: Asset) -> dict[str, Any] | None:
    return provenance.summary(asset)


def _licence(asset: Asset) -> dict[str, Any] | None:
    return licensing.effective_licence(asset).as_dict()


@login_required
@require_GET
def asset_image(request: HttpRequest, slug: str, asset_id: Any) -> FileResponse:
    """The exact stored bytes, inline, for the review page's images (members only)."""
    access = _access(request, slug)
    asset = Asset.objects.filter(workspace=access.workspace, pk=asset_id).first()
    if asset is None:
        raise Http404("No such asset.")
    response = FileResponse(asset.file.open("rb"), content_type=asset.mime_type)
    response["Content-Length"] = str(asset.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- audit ----------------------------------------------------------------------------------------------


def _admin_access(request: HttpRequest, slug: str) -> WorkspaceAccess:
    access = _access(request, slug)
    if not access.has_role(Role.ADMIN):
        raise PermissionError
    return access


@login_required
@require_GET
def audit_home(request: HttpRequest) -> HttpResponse:
    admin_of = [
        m.workspace
        for m in Membership.objects.filter(user_id=_user_id(request)).select_related("workspace")
        if m.has_role(Role.ADMIN)
    ]
    if len(admin_of) == 1:
        return redirect("web:audit", slug=admin_of[0].slug)
    return render(request, "web/audit_home.html", {"admin_of": admin_of}, status=200 if admin_of else 403)


@login_required
@require_GET
def audit_page(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        access = _admin_access(request, slug)
    except PermissionError:
        return render(
            request, "web/forbidden.html", {"message": "The audit pages are for admins."}, status=403
        )
    params = request.GET
    filters = {
        key: params.get(key, "").strip() for key in ("model", "user", "state", "published", "action", "actor")
    }
    content = _ai_content(access, filters)
    try:
        events = filter_events(AuditEvent.objects.filter(workspace=access.workspace), params).order_by("-id")
        event_rows = [event_dict(e) for e in events[:AUDIT_PAGE_ROWS]]
        filter_error = ""
    except ApiError as exc:
        event_rows, filter_error = [], exc.message
    for row in event_rows:
        row["data_text"] = json.dumps(row["data"], sort_keys=True)[:300]
    export_query = urlencode(
        {
            k: v
            for k, v in params.items()
            if k in ("action", "actor", "object_type", "object_id", "since", "until") and v
        }
    )
    models_seen = sorted({r["model"] for r in content["all_models"] if r["model"]})
    return render(
        request,
        "web/audit.html",
        {
            "workspace": access.workspace,
            "filters": filters,
            "content": content["rows"],
            "models_seen": models_seen,
            "states": [("unreviewed", "Not reviewed"), *ReviewStatus.choices],
            "events": event_rows,
            "filter_error": filter_error,
            "export_query": export_query,
        },
    )


def _ai_content(access: WorkspaceAccess, filters: dict[str, str]) -> dict[str, Any]:
    """AI outputs and renditions with model, requester, review state and where they are published."""
    latest_review = Review.objects.filter(asset=OuterRef("pk")).order_by("-created_at", "-id")
    qs: QuerySet[Asset] = (
        Asset.objects.filter(workspace=access.workspace, origin__in=AI_ORIGINS)
        .select_related("created_by", "produced_by__job")
        .annotate(review_status=Subquery(latest_review.values("status")[:1]))
        .order_by("-created_at")
    )
    all_models = [{"model": m} for m in qs.values_list("produced_by__job__model_key", flat=True).distinct()]
    if filters["model"]:
        qs = qs.filter(produced_by__job__model_key=filters["model"])
    if filters["user"]:
        qs = qs.filter(created_by__username=filters["user"])
    if filters["state"] == "unreviewed":
        qs = qs.filter(**{"review_status__isnull": True})  # the annotation above
    elif filters["state"]:
        qs = qs.filter(**{"review_status": filters["state"]})
    rows = []
    for asset in qs[: AUDIT_PAGE_ROWS * 2]:
        published = [_where(p) for p in ports.publications_of(asset)]
        if filters["published"] and not any(filters["published"].lower() in w.lower() for w in published):
            continue
        job = getattr(getattr(asset, "produced_by", None), "job", None)
        rows.append(
            {
                "asset": asset,
                "model": job.model_key if job else "",
                "user": asset.created_by.get_username() if asset.created_by else "",
                "state": asset.review_status or "unreviewed",  # type: ignore[attr-defined]
                "published": published,
                "evidence_url": reverse(
                    "asset-evidence", kwargs={"slug": access.workspace.slug, "pk": asset.pk}
                ),
            }
        )
        if len(rows) >= AUDIT_PAGE_ROWS:
            break
    return {"rows": rows, "all_models": all_models}


def _where(publication: PublicationSummary) -> str:
    connection = publication["connection"]
    parts = [
        value
        for value in (
            f"{connection['name']} ({connection['kind']})",
            publication["channel"],
            publication["territory"],
            publication["status"],
            publication["remote_url"],
        )
        if value
    ]
    return " · ".join(parts)


@login_required
@require_GET
def audit_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse | StreamingHttpResponse:
    try:
        access = _admin_access(request, slug)
    except PermissionError:
        return render(
            request, "web/forbidden.html", {"message": "The audit export is for admins."}, status=403
        )
    if fmt not in ("jsonl", "csv"):
        raise Http404("Export as jsonl or csv.")
    try:
        events = filter_events(AuditEvent.objects.filter(workspace=access.workspace), request.GET)
    except ApiError as exc:
        return render(request, "web/forbidden.html", {"message": exc.message}, status=400)
    return export_response(events.order_by("id"), fmt, f"audit-{slug}")
