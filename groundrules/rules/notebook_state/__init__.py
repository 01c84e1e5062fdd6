"""Stale-state rules (GR6xx): a notebook whose saved results depend on hidden kernel state, so
running it top to bottom would not give them.  One module per rule; they read the notebook's
cells through :mod:`._cells` and :mod:`groundrules.rules.cell_dataflow`."""
