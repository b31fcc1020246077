"""The HTTP API of ../shared/API.md: litestar controllers over the Casework service."""
