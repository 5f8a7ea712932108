"""The floor every room stands on: atomic writes, the one-writer lock, bounded reads, JSONL reading, dataset paths and id checks, findings and reports, tables, the version."""
