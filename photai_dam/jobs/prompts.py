"""Who may read a job's prompt (and its negative prompt).

Always the member who asked for the job and the workspace's admins. Everyone else only when the workspace
shares prompts, which its review settings decide (``share_prompts``, governance.reviews): the core asks
through this port, registered by governance at start-up (a missing one stops start-up: photai.E005).
Whoever may not read a prompt gets its SHA-256, so people can still tell whether they mean the same one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

from photai_dam.workspaces.choices import Role

if TYPE_CHECKING:
    from photai_dam.jobs.models import Job
    from photai_dam.workspaces.access import WorkspaceAccess
    from photai_dam.workspaces.models import Workspace

# Parameters that are part of the prompt, hidden with it.
PROMPT_PARAMS = ("negative_prompt",)

_shares_prompts: Callable[[Workspace], bool] | None = None


def register_prompt_sharing(implementation: Callable[[Workspace], bool]) -> None:
    """Install the function that says whether a workspace shares prompts with all its members."""
    global _shares_prompts
    _shares_prompts = implementation


def is_registered() -> bool:
    return _shares_prompts is not None


def workspace_shares_prompts(workspace: Workspace) -> bool:
    if _shares_prompts is None:
        raise ImproperlyConfigured("no prompt-sharing policy is registered (governance.reviews provides it)")
    return _shares_prompts(workspace)


def prompt_visible(job: Job, access: WorkspaceAccess, *, shared: bool | None = None) -> bool:
    """Whether ``access``'s member may read ``job``'s prompt; ``shared`` saves the look-up in lists."""
    if job.created_by_id == access.membership.user_id or access.has_role(Role.ADMIN):
        return True
    return workspace_shares_prompts(access.workspace) if shared is None else shared


def prompt_hash(prompt: str) -> str | None:
    return hashlib.sha256(prompt.encode()).hexdigest() if prompt else None


def without_prompt(params: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in params.items() if key not in PROMPT_PARAMS}
