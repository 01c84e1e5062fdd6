"""``groundrules handoff``: a prototype notebook (or script) becomes the production module an
engineer would have written, with the report the scientist and the engineer read together.

The pieces, in the order the pipeline uses them: :mod:`source` reads the cells, :mod:`magics`
turns IPython syntax into Python or report items, :mod:`plan` decides where every statement goes
(imports, definitions, constants, settings, steps, removed), :mod:`generate` writes the module,
:mod:`gates` checks it, :mod:`report` writes what happened, and :mod:`pipeline` ties them together.
Nothing here prints, exits or runs the prototype; ``groundrules.hooks.handoff_command`` does the
talking.
"""
