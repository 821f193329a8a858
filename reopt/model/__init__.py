"""Model: the `LinearProgram`, the rules a plan keeps (policies), and `compile`."""
