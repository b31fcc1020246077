"""Validators for values a client sends: Kemendagri area codes, NIK and nomor KK.

Each validator raises `casework.errors.InvalidValue` for a hard rule break (the HTTP layer
turns it into a 422 naming the field) and returns warning messages for soft ones.
"""
