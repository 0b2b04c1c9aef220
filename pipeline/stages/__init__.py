"""Pipeline stages that have moved into this package (the rest follow as they are worked on)."""
