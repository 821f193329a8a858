"""Data: the validated `Market`, its encoding, and reading and writing market files."""
