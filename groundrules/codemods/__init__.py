"""LibCST rewrites for what the rules find."""
