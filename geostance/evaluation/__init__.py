"""Evaluation: scorers per task view, end-to-end scoring, paired comparisons, predictions files, baselines, the leaderboard, lm-evaluation-harness tasks."""
