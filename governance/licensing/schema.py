"""The licence JSON a client sends (at upload and with PUT/PATCH …/licence), validated at the edge.

Omitted fields get the documented default for the licence's kind, and the *normalised* record (defaults
filled in) is what is stored and shown, so nobody has to guess what an omission meant.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from governance.licensing.choices import (
    AI_EDITING_DEFAULT,
    AI_TRAINING_DEFAULT,
    ALL_CHANNELS,
    ATTRIBUTION_KINDS,
    WORLDWIDE,
    LicenceKind,
)
from photai_dam.api.errors import ApiError

# ISO 3166-1 alpha-2 officially assigned codes (plus XK, used by the EU and most vendors for Kosovo).
_ISO_CODES = """
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW
BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI
FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN
IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME
MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF
PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK
YE YT ZA ZM ZW
"""
ISO_3166_ALPHA2 = frozenset(_ISO_CODES.split())

_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)

ChannelName = Literal["web", "social", "email", "print", "ecommerce", "advertising"]
ReleaseValue = Literal["yes", "no", "not_needed"]


def _check_url(value: str | None) -> str | None:
    if value in (None, ""):
        return None
    if len(value) > 2000 or not _URL.match(value):
        raise ValueError("must be an http(s) URL")
    return value


class LicenceDocument(BaseModel):
    """A document attached to a licence (the contract, the release form), by reference."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    url: str
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")

    _url = field_validator("url")(_check_url)


class LicenceData(BaseModel):
    """One licence record as JSON: the issue's fields, with their JSON keys."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: LicenceKind
    licensor: str = Field(default="", max_length=300)
    source_url: str | None = None
    attribution_text: str = Field(default="", max_length=1000)
    channels: list[ChannelName] | None = Field(default=None, max_length=len(ALL_CHANNELS))
    territories: list[str] | None = Field(default=None, max_length=300)
    valid_from: datetime | None = None
    expires_at: datetime | None = None
    ai_editing_allowed: bool | None = None
    ai_training_allowed: bool | None = None
    model_release: ReleaseValue = "not_needed"
    property_release: ReleaseValue = "not_needed"
    documents: list[LicenceDocument] = Field(
        default_factory=list, max_length=50, validation_alias=AliasChoices("documents", "attached_documents")
    )
    notes: str = Field(default="", max_length=2000)

    _source_url = field_validator("source_url")(_check_url)

    @field_validator("territories")
    @classmethod
    def _territories(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("list at least one territory, or 'worldwide'")
        normalised: list[str] = []
        for item in value:
            code = item.strip()
            if code.lower() == WORLDWIDE:
                code = WORLDWIDE
            else:
                code = code.upper()
                if code not in ISO_3166_ALPHA2:
                    raise ValueError(f"{item!r} is not an ISO 3166-1 alpha-2 code or 'worldwide'")
            if code not in normalised:
                normalised.append(code)
        if WORLDWIDE in normalised and len(normalised) > 1:
            raise ValueError("'worldwide' cannot be combined with country codes")
        return normalised

    @field_validator("valid_from", "expires_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("needs a time zone (e.g. 2027-01-31T00:00:00Z)")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> LicenceData:
        if self.valid_from and self.expires_at and self.expires_at <= self.valid_from:
            raise ValueError("expires_at must be after valid_from")
        if self.kind in ATTRIBUTION_KINDS and not self.attribution_text:
            raise ValueError(f"a {self.kind} licence needs attribution_text")
        if self.channels is not None and not self.channels:
            raise ValueError("channels: list at least one channel (omit the key for all channels)")
        return self

    def normalised(self) -> dict[str, Any]:
        """The stored form: defaults per kind filled in, dates as ISO 8601, channels in a stable order."""
        kind = str(self.kind)
        channels = self.channels if self.channels is not None else list(ALL_CHANNELS)
        return {
            "kind": kind,
            "licensor": self.licensor,
            "source_url": self.source_url,
            "attribution_text": self.attribution_text,
            "channels": [c for c in ALL_CHANNELS if c in channels],
            "territories": self.territories if self.territories is not None else [WORLDWIDE],
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "ai_editing_allowed": (
                self.ai_editing_allowed if self.ai_editing_allowed is not None else AI_EDITING_DEFAULT[kind]
            ),
            "ai_training_allowed": (
                self.ai_training_allowed
                if self.ai_training_allowed is not None
                else AI_TRAINING_DEFAULT[kind]
            ),
            "model_release": self.model_release,
            "property_release": self.property_release,
            "documents": [d.model_dump() for d in self.documents],
            "notes": self.notes,
        }


UNKNOWN_LICENCE: dict[str, Any] = LicenceData(kind=LicenceKind.UNKNOWN).normalised()


def _field_errors(exc: ValidationError) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in exc.errors():
        key = ".".join(str(p) for p in error["loc"]) or "licence"
        message = error["msg"].removeprefix("Value error, ")
        fields.setdefault(key, []).append(message)
    return fields


def validate_licence(data: Any) -> dict[str, Any]:
    """Validate licence JSON and return its normalised form, or raise 400 ``invalid_licence``.

    ``None`` (no licence given) means an ``unknown`` licence.
    """
    if data is None:
        return dict(UNKNOWN_LICENCE)
    if not isinstance(data, dict):
        raise ApiError(
            "invalid_licence",
            "The licence must be a JSON object.",
            details={"fields": {"licence": ["not an object"]}},
        )
    try:
        parsed = LicenceData.model_validate(data)
    except ValidationError as exc:
        raise ApiError(
            "invalid_licence", "The licence is not valid.", details={"fields": _field_errors(exc)}
        ) from None
    return parsed.normalised()
