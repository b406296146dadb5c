"""Credentials: bearer tokens kept as hashes, shared by the HTTP side and the command line."""
