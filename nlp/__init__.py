"""Language tools for the write and read side: language, lemmas, identifiers, entities, customer gazetteer,
document-class rules, passage chunking and embeddings.

A leaf package: no Elasticsearch, no Dash. Heavy models load lazily on first use and are cached per process.
"""
