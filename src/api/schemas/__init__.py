"""Request and response models of the HTTP API (XCreate in, XPublic out)."""
