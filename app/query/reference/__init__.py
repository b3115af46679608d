"""A small pure-Python implementation of the query kinds: the oracle the tests compare the
database engine with. It reads the raw tables into memory, so it is for test-sized data only.
"""
