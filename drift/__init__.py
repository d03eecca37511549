"""drift: keep a live Directus or SQL schema honest against the schema file in Git."""

__version__ = "0.1.0"

#: The Directus release whose behaviour drift reproduces byte for byte.
DIRECTUS_REFERENCE_VERSION = "12.4.1"
