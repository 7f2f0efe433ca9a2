from capcheck.cli import main

raise SystemExit(main())
