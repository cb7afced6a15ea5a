"""What users get out of the database: `gidr-etl serve` (server), gidr-etl as a Datasette plugin
(plugin), the page per report as printed (report_page), and exports (export)."""
