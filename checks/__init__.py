"""theorycheck's claims and the machinery they share.

* ``checks/claims/`` — one module per claim, named after its id (``-`` becomes ``_``);
* shared machinery — ``registry`` (what a claim is), ``cases`` (verdicts from cases),
  ``instances`` (generated teachers and points), ``stats``, ``figures``, ``gd_outcomes``
  (what the gradient-descent claims share), ``landscape_figures``;
* the programs that run the claims — ``cli``, ``report``, ``fuzz``, ``sweep`` and
  ``templates/``. No claim imports a program.
"""
