"""Options shared by the data-science rules (rules.md sections 4 and 8).

``seed-constant`` and ``seed-module`` are read by the seeding rules (GR401, GR402 and any GR4xx
rule whose fix inserts a seed); ``required-hyperparameters`` by GR409; ``chained-indexing-reads`` by
GR403.
"""

from __future__ import annotations

from groundrules.standards.schema import bool_option, str_lists_option, str_option

SEED_CONSTANT = str_option(
    "data-science",
    "seed-constant",
    "SEED",
    "Name of the project's random-seed constant that fixes insert (`random_state=SEED`).",
)
SEED_MODULE = str_option(
    "data-science",
    "seed-module",
    "",
    "Dotted module the seed constant is imported from (`acme_project.config`); empty means the "
    "constant is defined in the module being fixed.",
)
REQUIRED_HYPERPARAMETERS = str_lists_option(
    "data-science",
    "required-hyperparameters",
    {},
    "Extra hyperparameters that must be passed explicitly, per estimator or optimizer class name "
    "(`RandomForestClassifier = [\"n_estimators\", \"max_depth\"]`); they replace the built-in "
    "table entry for that class (GR409).",
)
CHAINED_INDEXING_READS = bool_option(
    "data-science",
    "chained-indexing-reads",
    False,
    "Also report chained-indexing reads (`x = df[a][b]`), not only writes (GR403).",
)
