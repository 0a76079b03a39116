"""Data shipped with dedup: the background document-frequency table."""
