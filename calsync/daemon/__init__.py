"""`calsync daemon`: sync repeatedly, one writer per state, reload rules, stop cleanly on signals."""
