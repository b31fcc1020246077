"""Aggregates shaped into response bodies; the same code answers a request and its replay."""
