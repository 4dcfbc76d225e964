"""What a claim is and what it returns: claims, budgets, cases and parts combined into verdicts,
typed results and exact intervals. The lowest layer: it imports nothing of theory or of the layers
above."""

__all__: list[str] = []
