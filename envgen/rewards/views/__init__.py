"""Read-only StateViews that reward programs are written against, one module per family."""
