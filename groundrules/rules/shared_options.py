"""Options read by rules of more than one group, declared once so their defaults cannot drift.

The table names follow rules.md section 4: an option lives in the table of the group that owns it,
whichever rule reads it (GR311, a data-access rule, reads ``security.secret-name-pattern``).
"""

from __future__ import annotations

from groundrules.standards.schema import globs_option, regex_option, str_option, strs_option

SECRET_NAME_PATTERN = regex_option(
    "security",
    "secret-name-pattern",
    r"(?i)(pass(word|wd|phrase)?|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|"
    r"credential)",
    "Regular expression for names (variables, keywords, dict keys, env vars) that hold secrets.",
)
PII_COLUMNS = strs_option(
    "data-access",
    "pii-columns",
    ("email", "phone", "ssn"),
    "Column labels holding personal data.",
)
ALLOWED_MODULES = globs_option(
    "data-access",
    "allowed-modules",
    (),
    "Dotted module patterns of the approved data-access layer (`acme_data.*`), exempt from the "
    "data-access rules.",
)
DATA_EXTENSIONS = strs_option(
    "data-access",
    "data-extensions",
    (".csv", ".parquet", ".xlsx", ".json", ".feather", ".pkl", ".h5"),
    "File suffixes that mark a path as a dataset.",
)
TARGET_PYTHON = str_option(
    None,
    "target-python",
    "3.9",
    "The oldest Python the code must run on (`3.11`); fixes that need a newer one are not applied.",
)
