"""PhotAI DAM: the Django project and the DAM core (workspaces, assets, jobs, REST API)."""

__version__ = "0.1.0"
