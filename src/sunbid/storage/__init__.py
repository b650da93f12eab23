"""Storage: tables, mappings, repositories, unit of work, migrations and the blob store."""
