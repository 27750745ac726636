"""Listening: follow topics as they spread, detect their bursts and phase, name their
amplifiers, forecast their size, and plan a response against the clock."""
