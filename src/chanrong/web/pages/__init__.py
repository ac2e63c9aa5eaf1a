"""Console pages, one router module per area."""
