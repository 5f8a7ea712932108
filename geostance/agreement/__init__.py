"""Inter-annotator agreement: pairwise per layer, Krippendorff's alpha over a panel, passes by protocol, one document's full agreement report."""
