"""The words layer: numbers and labels in Vietnamese and English, and the prose of the reports."""
