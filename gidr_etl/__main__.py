from gidr_etl.cli import cli

cli()
