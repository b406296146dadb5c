"""frispor.ledger."""
