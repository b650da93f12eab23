"""The tamper-evident ledger: every domain event in a Merkle-tree log (RFC 9162)."""
