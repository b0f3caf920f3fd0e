"""The effective licence of an asset, derived from every licence behind it and the model that made it.

Rules: channels and territories intersect; the earliest expiry (and latest start) wins; AI
editing/training only if every input allows it; attribution is the union; a non-commercial model or
licence removes the commercial channels; an ``unknown`` or revoked input makes the asset unpublishable
(the workspace setting ``licensing.allow_unknown`` relaxes the unknown rule). Every restriction names the
input or model that caused it, so the API can show *why*.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from governance import ports
from governance.licensing.choices import (
    ALL_CHANNELS,
    NON_COMMERCIAL_KINDS,
    WORLDWIDE,
    LicenceKind,
)
from governance.licensing.models import LicenceRecord
from governance.licensing.schema import UNKNOWN_LICENCE
from governance.licensing.settings import commercial_channels, unknown_allowed
from governance.ports import ModelLicence
from photai_dam.jobs.models import Job, JobOutput
from photai_dam.values import Reason

if TYPE_CHECKING:
    from photai_dam.assets.models import Asset

# Deeper lineage than this is refused rather than walked (a guard against pathological graphs).
MAX_DEPTH = 64


@dataclass(frozen=True)
class Restriction:
    """One limit the derivation applied, and the input or model that caused it."""

    code: (
        str  # channels | territories | expires_at | valid_from | ai_editing | ai_training | non_commercial |
    )
    #            release_missing | unknown | revoked | model_non_commercial | model_unknown
    message: str
    source: str  # "asset:<uuid>" or "model:<key>"
    removed: tuple[str, ...] = ()  # channels this input took away
    allowed: tuple[str, ...] = ()  # territories this input allows
    at: datetime | None = None  # the moment of an expires_at / valid_from restriction

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message, "source": self.source}
        if self.removed:
            body["removed"] = list(self.removed)
        if self.at is not None:
            body["at"] = self.at.isoformat()
        if self.allowed:
            body["allowed"] = list(self.allowed)
        return body


@dataclass
class EffectiveLicence:
    """What the licences behind an asset allow, with the derivation that produced it."""

    asset_id: str
    channels: list[str]
    territories: list[str]  # ["worldwide"] or ISO codes (possibly empty: nowhere)
    valid_from: datetime | None
    expires_at: datetime | None
    ai_editing_allowed: bool
    ai_training_allowed: bool
    attribution: list[str]
    inputs: list[dict[str, Any]]
    model: dict[str, Any] | None
    unknown_allowed: bool
    restrictions: list[Restriction] = field(default_factory=list)

    # --- questions the gate, the policy and the sweep ask ------------------------------------------
    def sources_of(self, code: str) -> list[Restriction]:
        return [r for r in self.restrictions if r.code == code]

    @property
    def revoked(self) -> bool:
        return bool(self.sources_of("revoked"))

    @property
    def unknown(self) -> bool:
        return bool(self.sources_of("unknown") or self.sources_of("model_unknown"))

    def expired_at(self, at: datetime) -> bool:
        return self.expires_at is not None and at >= self.expires_at

    def reasons(
        self, *, at: datetime, channel: str | None = None, territory: str | None = None
    ) -> list[Reason]:
        """Every reason the licences forbid publishing to ``channel`` in ``territory`` at ``at``."""
        reasons = [Reason("licence_revoked", r.message, r.source) for r in self.sources_of("revoked")]
        if not self.unknown_allowed:
            reasons += [Reason("licence_unknown", r.message, r.source) for r in self.sources_of("unknown")]
            reasons += [
                Reason("model_licence_unknown", r.message, r.source) for r in self.sources_of("model_unknown")
            ]
        reasons += self.expiry_reasons(at)
        reasons += [
            Reason("licence_not_yet_valid", r.message, r.source)
            for r in self.sources_of("valid_from")
            if r.at is not None and at < r.at
        ]
        if channel is not None and channel not in self.channels:
            codes = {
                "channels": "licence_channel_not_allowed",
                "non_commercial": "licence_non_commercial",
                "release_missing": "licence_release_missing",
                "model_non_commercial": "model_non_commercial",
            }
            causes = [r for r in self.restrictions if r.code in codes and channel in r.removed]
            for r in causes:
                reasons.append(Reason(codes[r.code], f"{channel}: {r.message}", r.source))
            if not causes:  # not a channel at all
                reasons.append(
                    Reason("licence_channel_not_allowed", f"{channel!r} is not a known channel.", "")
                )
        if territory is not None and not self.allows_territory(territory):
            causes = [r for r in self.sources_of("territories") if territory.upper() not in r.allowed]
            for r in causes:
                reasons.append(Reason("licence_territory_not_allowed", f"{territory}: {r.message}", r.source))
        return reasons

    def expiry_reasons(self, at: datetime) -> list[Reason]:
        """One ``licence_expired`` per input whose licence has expired at ``at``."""
        return [
            Reason("licence_expired", f"{r.message}; checked at {at.isoformat()}", r.source)
            for r in self.sources_of("expires_at")
            if r.at is not None and at >= r.at
        ]

    def allows_territory(self, territory: str) -> bool:
        if WORLDWIDE in self.territories:
            return True
        if territory.lower() == WORLDWIDE:
            # Publishing "worldwide" (a site without geo-blocking) needs a worldwide licence.
            return False
        return territory.upper() in self.territories

    def as_dict(self) -> dict[str, Any]:
        return {
            "asset": self.asset_id,
            "channels": self.channels,
            "territories": self.territories,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "ai_editing_allowed": self.ai_editing_allowed,
            "ai_training_allowed": self.ai_training_allowed,
            "attribution": self.attribution,
            "revoked": self.revoked,
            "unknown": self.unknown,
            "unknown_allowed": self.unknown_allowed,
            "inputs": self.inputs,
            "model": self.model,
            "derivation": [r.as_dict() for r in self.restrictions],
        }


class _Builder:
    def __init__(self, asset: Asset) -> None:
        self.asset = asset
        self.workspace = asset.workspace
        self.commercial = commercial_channels(self.workspace)
        self.relaxed = unknown_allowed(self.workspace)
        self.channels = list(ALL_CHANNELS)
        self.territories: set[str] | None = None  # None: worldwide
        self.valid_from: datetime | None = None
        self.expires_at: datetime | None = None
        self.ai_editing = True
        self.ai_training = True
        self.attribution: list[str] = []
        self.inputs: list[dict[str, Any]] = []
        self.model: dict[str, Any] | None = None
        self.restrictions: list[Restriction] = []
        self._seen: set[Any] = set()
        # One registry look-up per model key, however often it recurs.
        self._models: dict[str, ModelLicence | None] = {}

    # --- walking -------------------------------------------------------------------------------------
    def walk(self, asset: Asset, path: list[str], depth: int = 0) -> None:
        if asset.pk in self._seen:
            return
        self._seen.add(asset.pk)
        if depth > MAX_DEPTH:
            self._add(
                Restriction(
                    "unknown", f"Lineage deeper than {MAX_DEPTH} levels was not followed.", _src(asset)
                )
            )
            return
        record = _current_record(asset)
        parent_links = list(asset.parent_links.select_related("parent").order_by("position"))
        derived = bool(parent_links) or asset.origin != "upload"
        if record is not None:
            self._apply_asset_licence(asset, record, path)
        elif not derived:
            self._apply_asset_licence(asset, None, path)
        job = _producing_job(asset) if derived else None
        if asset.is_ai or (job is not None and job.model_key):
            # A rendition made with a model (a segmentation model's cut-out) carries its licence too.
            self._apply_model(asset, job)
        for link in parent_links:
            self.walk(link.parent, [*path, str(link.parent_id)], depth + 1)

    def _apply_asset_licence(self, asset: Asset, record: Any, path: list[str]) -> None:
        data = record.data if record is not None else UNKNOWN_LICENCE
        src = _src(asset)
        kind = data.get("kind", LicenceKind.UNKNOWN)
        self.inputs.append(
            {
                "source": src,
                "path": path,
                "kind": kind,
                "licence_version": record.version if record is not None else None,
                "revoked": bool(record is not None and record.revoked_at is not None),
            }
        )
        if record is not None and record.revoked_at is not None:
            reason = f": {record.revoked_reason}" if record.revoked_reason else ""
            self._add(Restriction("revoked", f"The licence of asset {asset.pk} was revoked{reason}.", src))
        if kind == LicenceKind.UNKNOWN:
            self._add(
                Restriction(
                    "unknown",
                    f"Asset {asset.pk} has an unknown licence"
                    + (
                        " (allowed by the workspace setting)." if self.relaxed else "; set its licence first."
                    ),
                    src,
                )
            )
            if self.relaxed:
                return  # the workspace accepts unknown material as unrestricted
        # Channels
        allowed = set(data.get("channels") or [])
        self._remove_channels(
            [c for c in self.channels if c not in allowed],
            "channels",
            "the licence does not allow this channel",
            src,
        )
        if kind in NON_COMMERCIAL_KINDS:
            self._remove_channels(
                [c for c in self.channels if c in self.commercial],
                "non_commercial",
                f"a {kind} licence forbids commercial use",
                src,
            )
        missing = [n for n in ("model_release", "property_release") if data.get(n) == "no"]
        if missing:
            self._remove_channels(
                [c for c in self.channels if c in self.commercial],
                "release_missing",
                f"no {' / '.join(m.replace('_', ' ') for m in missing)} on file, so no commercial use",
                src,
            )
        # Territories
        territories = data.get("territories") or [WORLDWIDE]
        if WORLDWIDE not in territories:
            wanted = {t.upper() for t in territories}
            self.territories = wanted if self.territories is None else self.territories & wanted
            self._add(
                Restriction(
                    "territories",
                    f"the licence of asset {asset.pk} allows only {', '.join(sorted(wanted))}",
                    src,
                    allowed=tuple(sorted(wanted)),
                )
            )
        # Validity window
        expires = _parse(data.get("expires_at"))
        if expires is not None:
            if self.expires_at is None or expires < self.expires_at:
                self.expires_at = expires
            self._add(
                Restriction(
                    "expires_at",
                    f"the licence of asset {asset.pk} expires at {expires.isoformat()}",
                    src,
                    at=expires,
                )
            )
        starts = _parse(data.get("valid_from"))
        if starts is not None:
            if self.valid_from is None or starts > self.valid_from:
                self.valid_from = starts
            self._add(
                Restriction(
                    "valid_from",
                    f"the licence of asset {asset.pk} starts at {starts.isoformat()}",
                    src,
                    at=starts,
                )
            )
        # AI use
        if not data.get("ai_editing_allowed", False):
            self.ai_editing = False
            self._add(
                Restriction("ai_editing", f"the {kind} licence of asset {asset.pk} forbids AI editing", src)
            )
        if not data.get("ai_training_allowed", False):
            self.ai_training = False
            self._add(
                Restriction("ai_training", f"the {kind} licence of asset {asset.pk} forbids AI training", src)
            )
        text = (data.get("attribution_text") or "").strip()
        if text and text not in self.attribution:
            self.attribution.append(text)

    def _apply_model(self, asset: Asset, job: Job | None) -> None:
        keys = job_model_keys(job) if job is not None else []
        if not keys:
            self._add(
                Restriction(
                    "model_unknown", f"The model that made asset {asset.pk} is not recorded.", _src(asset)
                )
            )
            return
        # The base (or segmentation) model, then every adapter and model stage the job ran with: licences
        # derive through each exactly alike, and each restriction names the one that caused it.
        for key in keys:
            self._apply_model_key(asset, key)

    def _apply_model_key(self, asset: Asset, key: str) -> None:
        src = f"model:{key}"
        if key not in self._models:
            self._models[key] = model_record(key)
        record = self._models[key]
        if record is None:
            if self.model is None:
                self.model = {"key": key, "licence_id": None, "commercial_use_allowed": None}
            self._add(Restriction("model_unknown", f"Model {key} is not in the model registry.", src))
            return
        info = {
            "key": key,
            "licence_id": record.licence_id,
            "commercial_use_allowed": record.commercial_use_allowed,
        }
        if self.model is None:
            self.model = info
        noun = {"lora": "style adapter", "ip_adapter": "IP-Adapter"}.get(record.kind, "model")
        self.inputs.append(
            {
                "source": src,
                "path": [str(asset.pk)],
                "kind": "model" if noun == "model" else "adapter",
                "licence_id": info["licence_id"],
            }
        )
        if not info["commercial_use_allowed"]:
            self._remove_channels(
                [c for c in self.channels if c in self.commercial],
                "model_non_commercial",
                f"{noun} {key} ({info['licence_id'] or 'no licence id'}) allows non-commercial use only",
                src,
            )

    def _remove_channels(self, removed: list[str], code: str, why: str, src: str) -> None:
        if not removed:
            return
        self.channels = [c for c in self.channels if c not in removed]
        self._add(Restriction(code, why, src, tuple(removed)))

    def _add(self, restriction: Restriction) -> None:
        self.restrictions.append(restriction)

    def result(self) -> EffectiveLicence:
        return EffectiveLicence(
            asset_id=str(self.asset.pk),
            channels=self.channels,
            territories=[WORLDWIDE] if self.territories is None else sorted(self.territories),
            valid_from=self.valid_from,
            expires_at=self.expires_at,
            ai_editing_allowed=self.ai_editing,
            ai_training_allowed=self.ai_training,
            attribution=self.attribution,
            inputs=self.inputs,
            model=self.model,
            unknown_allowed=self.relaxed,
            restrictions=self.restrictions,
        )


def effective_licence(asset: Asset) -> EffectiveLicence:
    """Derive the asset's effective licence from its own record, its lineage and its model."""
    builder = _Builder(asset)
    builder.walk(asset, [str(asset.pk)])
    return builder.result()


def _src(asset: Asset) -> str:
    return f"asset:{asset.pk}"


def _current_record(asset: Asset) -> Any:
    return LicenceRecord.objects.filter(asset=asset, is_current=True).first()


def _producing_job(asset: Asset) -> Any:
    link = JobOutput.objects.select_related("job").filter(asset=asset).first()
    return link.job if link is not None else None


def model_record(key: str) -> ModelLicence | None:
    """The model registry's record for ``key``, or None when it is not registered."""
    return ports.model_licence(key)


def job_model_keys(job: Job) -> list[str]:
    """Every registry key a job ran on: the model it recorded, then the adapters and model stages its
    parameters named."""
    return ports.job_model_keys(job.operation, job.params or {}, job.model_key)


def _parse(value: Any) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)
