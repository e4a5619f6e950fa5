"""Saved runs: records and their document, the search words, the store port, and the service."""
