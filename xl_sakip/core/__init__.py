"""The pure domain core: no file formats, no Excel, no printing.

It imports one submodule itself: core/codegen.py, which installs the generator of hot rule trees into
core/formula.py (formula.use_generator) and so must be loaded before a rule is evaluated a third time.
"""

from xl_sakip.core import codegen  # noqa: F401  (installs itself into formula.py)
