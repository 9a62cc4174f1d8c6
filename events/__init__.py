"""What happened: the curated events table, its schema, loading, validation, claim status,
filtering, importers, exporters and the `python -m events` CLI. Never imports Streamlit."""
