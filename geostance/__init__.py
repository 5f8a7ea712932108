"""geostance: stance and relations in geopolitical news.

The package holds the data contract (label inventories read from ``schema/``,
the validator), agreement measures, the Hugging Face dataset build, task
views, scorers, baselines and the contribution tools. The command line is
``geostance <verb>`` (see ``geostance --help``).
"""

__version__ = "0.1.0"
