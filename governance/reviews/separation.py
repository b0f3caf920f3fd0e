"""Who may not decide a review because of the asset's lineage: whoever uploaded or made the asset or any
asset it derives from, and whoever ran any job in that chain (invariant I2), not only the last step."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from photai_dam.assets.models import Asset, AssetParent
from photai_dam.jobs.models import JobOutput

MAX_ANCESTORS = 500  # a guard against pathological graphs; lineages here are a handful of steps deep


def _ancestry(asset_ids: Iterable[UUID]) -> dict[UUID, set[UUID]]:
    """Every asset of each one's lineage (itself included), one query per generation for all of them."""
    roots = list(dict.fromkeys(asset_ids))
    parents: dict[UUID, list[UUID]] = {}
    frontier = set(roots)
    while frontier and len(parents) < MAX_ANCESTORS:
        for pk in frontier:
            parents.setdefault(pk, [])
        links = AssetParent.objects.filter(child_id__in=frontier).values_list("child_id", "parent_id")
        frontier = set()
        for child, parent in links:
            parents[child].append(parent)
            if parent not in parents:
                frontier.add(parent)
    lineages: dict[UUID, set[UUID]] = {}
    for root in roots:
        seen, stack = {root}, [root]
        while stack:
            for parent in parents.get(stack.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        lineages[root] = seen
    return lineages


def lineage_people(asset_ids: Iterable[UUID]) -> dict[UUID, dict[int, str]]:
    """For each asset, the users who made something in its lineage: user id -> rule.

    ``job_creator``: ran the job that made the asset itself; ``lineage``: uploaded or made the asset or an
    ancestor, or ran an earlier job of the chain.
    """
    lineages = _ancestry(asset_ids)
    every_asset = set().union(*lineages.values()) if lineages else set()
    made_by = dict(
        Asset.objects.filter(pk__in=every_asset, created_by__isnull=False).values_list("pk", "created_by_id")
    )
    ran_by: dict[UUID, set[int]] = {}
    for asset_id, user_id in JobOutput.objects.filter(
        asset_id__in=every_asset, job__created_by__isnull=False
    ).values_list("asset_id", "job__created_by_id"):
        ran_by.setdefault(asset_id, set()).add(user_id)
    people: dict[UUID, dict[int, str]] = {}
    for root, members in lineages.items():
        found: dict[int, str] = {}
        for asset_id in members:
            for user_id in ran_by.get(asset_id, ()):
                found.setdefault(user_id, "lineage")
            if asset_id in made_by:
                found.setdefault(made_by[asset_id], "lineage")
        for user_id in ran_by.get(root, ()):
            found[user_id] = "job_creator"  # the last step: the rule the API has always named
        people[root] = found
    return people


def excluded_by_lineage(asset: Asset) -> dict[int, str]:
    return lineage_people([asset.pk])[asset.pk]
