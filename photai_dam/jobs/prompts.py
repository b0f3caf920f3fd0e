"""Who may read a job's prompt (and its negative prompt).

Always the member who asked for the job and the workspace's admins. Everyone else only when the workspace
shares prompts, which its review settings decide (``share_prompts``, governance.reviews): the core asks
through the port ``photai_dam.ports.workspace_shares_prompts`` (a missing one stops start-up: photai.E010).
Whoever may not read a prompt gets its SHA-256, so people can still tell whether they mean the same one.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from photai_dam import ports
from photai_dam.workspaces.choices import Role

if TYPE_CHECKING:
    from photai_dam.jobs.models import Job
    from photai_dam.workspaces.access import WorkspaceAccess

# Parameters that are part of the prompt, hidden with it.
PROMPT_PARAMS = ("negative_prompt",)


def prompt_visible(job: Job, access: WorkspaceAccess, *, shared: bool | None = None) -> bool:
    """Whether ``access``'s member may read ``job``'s prompt; ``shared`` saves the look-up in lists."""
    if job.created_by_id == access.membership.user_id or access.has_role(Role.ADMIN):
        return True
    return ports.workspace_shares_prompts(access.workspace) if shared is None else shared


def prompt_hash(prompt: str) -> str | None:
    return hashlib.sha256(prompt.encode()).hexdigest() if prompt else None


def without_prompt(params: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in params.items() if key not in PROMPT_PARAMS}
