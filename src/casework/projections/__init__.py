"""Projections: read models built from the event store (lists, reconciliation, audit trail).

Empty for now: the projection runner and its read models are the projections issue's work.
Events carry everything they need already (financial facts in the clear on funding sources).
"""
