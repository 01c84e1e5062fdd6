"""groundrules: a team's coding, security and data-access standards, enforced everywhere."""

__version__ = "0.1.0"
