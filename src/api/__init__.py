"""frispor.api."""
