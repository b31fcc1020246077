"""A cell: one casework deployment serving a set of area prefixes, published to the nation.

`config` reads and checks CASEWORK_CELL / CASEWORK_CELL_AREAS; `identity` records the cell's
name, areas and chain genesis at the first `migrate` and refuses a process of another name;
`boundary` is the `outside-cell` rule every command that places something in an area applies;
`heartbeat`, `publication`, `digests` and `status` are what the national side reads.
"""
