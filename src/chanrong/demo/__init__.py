"""The demo: a simulated park loaded into the platform through each domain's services, and
the stories each capability tells on it. Only the CLI imports this package."""
