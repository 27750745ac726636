"""Tests of the X API v2 adapter.

A package, so that ``test_parse`` / ``test_client`` here do not clash with the
modules of the same name in the other platforms' test folders.
"""
