"""The results layer: everything heavy computed once per data set, stored and read back."""
