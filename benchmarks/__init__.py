"""reopt's benchmarks: build and solve times against a raw highspy build and idiomatic PuLP."""
