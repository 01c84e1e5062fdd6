"""``python -m groundrules`` is the ``groundrules`` command."""

from groundrules.hooks.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
