"""frispor.ledger: the tamper-evident log's pure core (Merkle tree, leaves, checkpoints)."""
