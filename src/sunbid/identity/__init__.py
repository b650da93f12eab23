"""Identity and access: organisations, users, sessions, API tokens and the access policy."""
