"""The package version, defined once.

``pyproject.toml`` reads it from here (``[tool.setuptools.dynamic]``), and
``geostance.__version__`` re-exports it. It lives on the bottom floor so
that any module may record which geostance wrote a file without importing
the package's top level.
"""

__version__ = "0.1.0"
