"""Results: `solve`, the numpy check of every answer, the `Plan`, ranges and explanations."""
