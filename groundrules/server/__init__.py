"""``groundrules server``: the Language Server Protocol front end (needs the ``server`` extra).

The editor gets the same findings, fixes and explanations as the command line, from the same
engine: documents are checked with ``rules.engine.check_source`` on their unsaved text, quick
fixes come from ``codemods.framework.fix_source`` with its verification, hovers from
``hooks.rule_docs.explain``.  Only ``protocol`` imports pygls; the rest is plain functions.
"""
