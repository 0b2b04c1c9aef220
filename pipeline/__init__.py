"""glossary-pipeline: scraped health-glossary pages in, validated glossary records out."""

__version__ = "0.1.0"
