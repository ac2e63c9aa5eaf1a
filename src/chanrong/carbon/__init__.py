"""Carbon: emission factors, the carbon-efficiency code (工业碳效码) and green-loan pricing."""
