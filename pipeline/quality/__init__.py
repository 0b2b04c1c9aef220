"""Tools that read finished runs, never run pages: the audit report, scoring against gold, diffs of two runs.

They read a run's folder only through `pipeline.run_files`, so they follow any output format.
"""
