"""Storage: the event store adapters, the recorder, DDL and append-only triggers."""
