"""Persistence: the event recorder, the mapper, family keys and unique claims."""
