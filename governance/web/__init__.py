"""Server-rendered reviewer and audit web pages (issue 6): no front-end build step, no inline script."""
