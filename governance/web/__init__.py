"""Server-rendered reviewer and audit web pages: no front-end build step, no inline script."""
