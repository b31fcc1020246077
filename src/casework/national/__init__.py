"""The national reporting database (issue 24): every cell's published tables arrive here by
PostgreSQL's logical replication, one subscription per cell, and national read models are
built from those copies. Nothing here writes to a cell, and no cell waits for this side."""
