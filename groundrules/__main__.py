"""``python -m groundrules`` is the ``groundrules`` command."""

from groundrules.hooks.cli import entry

if __name__ == "__main__":
    entry()
