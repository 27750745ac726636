"""Ranking: PageRank, communities, audience overlap, and the rank job."""
