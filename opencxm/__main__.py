from opencxm.config.cli import main

main()
