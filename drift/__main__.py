from drift.entry import main

main()
