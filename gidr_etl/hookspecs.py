"""The hooks a gidr-etl plugin can implement."""
from pluggy import HookimplMarker, HookspecMarker

hookspec = HookspecMarker("gidr_etl")
hookimpl = HookimplMarker("gidr_etl")


@hookspec
def register_formats(register):
    """Register input formats: call register(InputFormat()) for each."""


@hookspec
def register_rules(register):
    """Register validation rules: call register(name, severity, function)."""


@hookspec
def register_label_variants(register):
    """Register label variants: call register(section, row_or_col_code, variant_text)."""


@hookspec
def register_commands(cli):
    """Add commands to the gidr-etl click group."""


@hookspec
def prepare_connection(conn):
    """Adjust the sqlite3 connection before anything is loaded."""


@hookspec
def register_executors(register):
    """Register where extraction can run: call register(Executor()) for each (gidr_etl.ingest.executors)."""
