"""Every rich representation: HTML and text cards, tables, and pictures (latency histograms).

Plain strings, no IPython or ipywidgets, and nothing imported from the rest of the package: the core objects
and the front ends both call in here with plain data (`serialize()` dicts) or duck-typed objects.
"""
