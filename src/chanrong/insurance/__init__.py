"""Insurance: the equipment quality index and premium pricing from production data."""
