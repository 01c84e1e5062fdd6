"""Rules of this group, one module per rule."""
