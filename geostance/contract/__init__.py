"""The data contract: label inventories and JSON Schemas (read from schema/), finding ids, canonical record form, a synthetic corpus that obeys it."""
