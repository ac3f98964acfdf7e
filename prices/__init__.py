"""The shipped price book: one YAML file per provider (see docs/price-format.md)."""
