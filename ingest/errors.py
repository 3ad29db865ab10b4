"""Typed errors of the core; the CLI and HTTP edges translate them once.

   CiteqaError
    ├── ModelError          the embedding model is missing, corrupt or not the one the index was built with
    ├── IndexFormatError    the index directory is missing, damaged or of another format version
    ├── IndexLockedError    another process is writing the index
    ├── DocumentNotFound    no document with that id
└── ConfigurationError  settings that would be unsafe or cannot work
"""


class CiteqaError(Exception):
    """Base class; messages say what went wrong and what to do next."""


class ModelError(CiteqaError):
    pass


class IndexFormatError(CiteqaError):
    pass


class IndexLockedError(CiteqaError):
    pass


class DocumentNotFound(CiteqaError):
    pass


class ConfigurationError(CiteqaError):
    pass
