"""Collecting edges: public edge-dump importers (and, later, platform crawlers)."""
