"""One module per fix, each a `Fix` subclass naming the codes it fixes and its class."""
