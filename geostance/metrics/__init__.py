"""Metric families, pure functions over plain counts and clusterings, each with its description, citation and a doctested example; bootstrap intervals beside them."""
