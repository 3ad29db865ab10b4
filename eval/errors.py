"""Typed errors of the evaluation harness; `command` turns them into one message and exit code 2.

    EvalError
     ├── DatasetError    a QA file or BEIR folder is missing or malformed
     ├── OptionError     an option value is out of range (k, concurrency, --fail-under)
     ├── ServiceError    the service cannot be reached or is not ready
     └── RunError        a saved run folder is missing or incomplete
"""


class EvalError(Exception):
    """Base class; messages say what went wrong and what to do next."""


class DatasetError(EvalError):
    pass


class OptionError(EvalError):
    pass


class ServiceError(EvalError):
    pass


class RunError(EvalError):
    pass
