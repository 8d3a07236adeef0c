"""Running the reports: run files, planning, warm kernels, schedulers, rendering and the command line."""
