"""Curriculum comparisons: run several teachers against one target, then compare them soundly.

``stats`` holds the statistics (IQM with stratified-bootstrap intervals, performance profiles,
probability of improvement, all through ``rliable``); ``report`` turns a results file into a
Markdown report with plots.
"""
