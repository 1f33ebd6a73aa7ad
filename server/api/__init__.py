"""The HTTP API, one blueprint per feature; routes only translate HTTP to domain calls."""
