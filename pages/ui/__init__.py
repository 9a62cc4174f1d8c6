"""Shared view helpers for the pages: sidebar filters and URL state, the event side panel,
the map component, HTML escaping and the offline static assets."""
