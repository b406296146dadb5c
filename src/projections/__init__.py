"""frispor.projections."""
