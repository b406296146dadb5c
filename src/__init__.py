"""frispor: the event-sourced audit trail of Denmark's rule-exemption trials."""
