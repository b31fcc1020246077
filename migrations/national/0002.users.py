"""The national API's users (finance, auditor, admin) in the national schema: the cells' own
users table, made from the cells' own migration so that the two never drift apart."""

from pathlib import Path

from yoyo import step

steps = [step((Path(__file__).parent.parent / "postgresql" / "0003.users.sql").read_text())]
