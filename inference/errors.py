"""Errors raised while running a job; each says whether a retry could help."""

from __future__ import annotations


class JobError(Exception):
    """A job failed with a machine-readable code."""

    permanent = True

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class PermanentJobError(JobError):
    """Retrying cannot help (bad parameters, unreadable input, refused by governance)."""


class TransientJobError(JobError):
    """Worth retrying with backoff (storage hiccup, out of memory, a lost connection)."""

    permanent = False


class JobCancelled(Exception):
    """The job was cancelled by a person while it ran."""
