"""Client libraries for the platform's API: the bid tool."""
