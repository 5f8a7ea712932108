"""The Hugging Face build: configs and features, task views, Parquet, the dataset card, Croissant metadata, text re-hydration."""
