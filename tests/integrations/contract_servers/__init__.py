"""Contract servers for Shopify and Contentful, built from ../shared/reference/cms-apis.md.

No maintained offline emulator exists for either vendor; these follow the documented status codes,
headers, asynchronous processing states and throttling answers, and let a test inject faults.
"""
