"""Find near-duplicate and same-story news articles, group them into stories, reconcile their numbers."""

__version__ = "0.1.0"
