"""Projections: read models built from the event store (lists, reconciliation, audit trail).

A projection is a handler per event plus the tables it owns (`base.Projection`). The runner
(`runner.py`) feeds it the store's events in position order, many per transaction, and records
how far it got in the same transaction as its writes (`tracking.py`).
"""
