"""The standards as data: built-in packs, the team's settings, profiles; frozen once loaded."""
