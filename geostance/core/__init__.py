"""The floor every room stands on: atomic writes, JSONL reading, dataset paths, tables."""
