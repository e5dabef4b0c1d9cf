"""The crawl configuration: companies, campaigns, crawl settings and the document vocabulary.

Depends on nothing else in the project, so every other package can import it.
"""

from config.loader import ConfigError, Problem, check_config, load_config, load_vocabulary
from config.model import Campaign, Company, Config, CrawlSettings, DocumentSeed
from config.vocabulary import DOC_TYPES, Vocabulary

__all__ = [
    "DOC_TYPES",
    "Campaign",
    "Company",
    "Config",
    "ConfigError",
    "CrawlSettings",
    "DocumentSeed",
    "Problem",
    "Vocabulary",
    "check_config",
    "load_config",
    "load_vocabulary",
]
