"""Integrations: connectors to WordPress, Shopify and Contentful, webhooks in, publish actors (issue 7)."""
