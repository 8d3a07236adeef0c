"""Running the reports (``python -m analysis report``), in the order the modules depend on each other:

- ``public``: this machine's absolute paths rewritten in everything published;
- ``runfile``: the YAML run file and its validation;
- ``settings``: the frozen ``Settings`` of a build and the ``Context`` fixed when it starts;
- ``plan``: which notebook x parameters, output names, fingerprints, skip-unchanged;
- ``kernel``: the helper module imported inside each warm kernel (warm-up, reset);
- ``warm``: the worker side of the warm kernels (start, reset, replace);
- ``execute``: one report on a worker (papermill, then HTML, PDF, Excel, notebook);
- ``prepare``: the shared step in its own process, and what a native crash in it means;
- ``pool``: local Dask cluster, an existing scheduler, a process pool or inline;
- ``index``: the run's index.html; ``manifest``: provenance and manifest.json;
- ``build``: the run (prepare, plan, execute, collect failures, manifest and index);
- ``report``: the ``report`` command; ``cli``: the command table of ``python -m analysis``;
- ``render``, ``display``, ``excel_out``: HTML/PDF, notebook display helpers, Excel tables.
"""
