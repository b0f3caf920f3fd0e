"""Vocabulary of licence records: kinds, channels, releases."""

from __future__ import annotations

from django.db import models


class LicenceKind(models.TextChoices):
    OWNED = "owned", "Owned"  # made by or for us; we hold every right
    ROYALTY_FREE_STOCK = "royalty_free_stock", "Royalty-free stock"  # paid once, broad use, vendor terms
    RIGHTS_MANAGED = "rights_managed", "Rights-managed"  # licensed per use: channels, territory, period
    CC0 = "cc0", "CC0"  # public domain dedication
    CC_BY = "cc_by", "CC BY"  # attribution required
    CC_BY_SA = "cc_by_sa", "CC BY-SA"  # attribution, derivatives under the same licence
    CC_BY_NC = "cc_by_nc", "CC BY-NC"  # attribution, non-commercial use only
    EDITORIAL_ONLY = (
        "editorial_only",
        "Editorial only",
    )  # news/editorial use, no commercial use, no alteration
    UNKNOWN = "unknown", "Unknown"  # nobody has said yet; not publishable until someone does


class Channel(models.TextChoices):
    WEB = "web", "Web"  # the brand's own site pages and blog
    SOCIAL = "social", "Social"  # organic posts on social networks
    EMAIL = "email", "E-mail"  # e-mail campaigns and newsletters
    PRINT = "print", "Print"  # brochures, catalogues, packaging
    ECOMMERCE = "ecommerce", "E-commerce"  # product listings in a shop
    ADVERTISING = "advertising", "Advertising"  # paid placements


class Release(models.TextChoices):
    YES = "yes", "Yes"  # a signed release is on file
    NO = "no", "No"  # needed but missing
    NOT_NEEDED = "not_needed", "Not needed"  # no identifiable person / property


WORLDWIDE = "worldwide"
ALL_CHANNELS: tuple[str, ...] = tuple(Channel.values)

# Channels where the use is *primarily directed towards commercial advantage* (the test CC BY-NC and most
# model licences use): paid advertising, shop listings that sell, and marketing e-mail (a commercial
# message by law, e.g. CAN-SPAM / the EU ePrivacy rules). Web, social and print can carry editorial or
# informational content, so they stay open to non-commercial material; a workspace that uses them only
# for selling lists them in its ``licensing.commercial_channels`` setting.
DEFAULT_COMMERCIAL_CHANNELS: tuple[str, ...] = (Channel.ADVERTISING, Channel.ECOMMERCE, Channel.EMAIL)

# Kinds whose terms forbid commercial use outright.
NON_COMMERCIAL_KINDS = frozenset({LicenceKind.CC_BY_NC, LicenceKind.EDITORIAL_ONLY})
# Kinds whose terms require crediting the author.
ATTRIBUTION_KINDS = frozenset({LicenceKind.CC_BY, LicenceKind.CC_BY_SA, LicenceKind.CC_BY_NC})

# What an omitted ``ai_editing_allowed`` / ``ai_training_allowed`` means per kind. Owned and CC material
# may be adapted (CC licences grant adaptation); stock and rights-managed terms usually exclude AI use
# unless the contract says so; editorial material must not be altered; unknown is never assumed.
AI_EDITING_DEFAULT: dict[str, bool] = {
    LicenceKind.OWNED: True,
    LicenceKind.CC0: True,
    LicenceKind.CC_BY: True,
    LicenceKind.CC_BY_SA: True,
    LicenceKind.CC_BY_NC: True,
    LicenceKind.ROYALTY_FREE_STOCK: False,
    LicenceKind.RIGHTS_MANAGED: False,
    LicenceKind.EDITORIAL_ONLY: False,
    LicenceKind.UNKNOWN: False,
}
AI_TRAINING_DEFAULT: dict[str, bool] = {
    k: k in (LicenceKind.OWNED, LicenceKind.CC0) for k in LicenceKind.values
}
