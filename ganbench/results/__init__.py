"""Run directories, the results index, comparison tables and plots."""
