from analysis.run.cli import main

raise SystemExit(main())
