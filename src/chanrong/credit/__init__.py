"""Credit: operating features, champion scorecard and challenger, model registry, decisions."""
