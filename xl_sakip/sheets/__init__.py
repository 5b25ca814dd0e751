"""Per-unit sheets: one plan (plan.py), two writers (openpyxl_writer.py, xlwings_writer.py)."""
