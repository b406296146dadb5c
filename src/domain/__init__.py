"""frispor.domain."""
