"""The domain: who asks (`Principal`), what they may do (capabilities), message codes and application errors.

Pure: no I/O, no Elasticsearch, no Flask. Every other layer may import it; it imports nothing of the project
but `core.settings`-free standard library code.
"""
