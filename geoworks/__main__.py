from geoworks.cli import main

main()
