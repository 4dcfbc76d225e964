"""The programs: the command line, the report and its template, the sweep, the fuzzer, the terminal
output, worker processes and the one atomic writer. The top layer: it may import every other."""

__all__: list[str] = []
