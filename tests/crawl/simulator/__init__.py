"""Tests of the platform simulator (server and network).

A package, like the adapters' test folders, so that module names here do not
clash with same-named test modules elsewhere.
"""
