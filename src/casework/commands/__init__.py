"""The application service's commands, one module per aggregate they start from."""
