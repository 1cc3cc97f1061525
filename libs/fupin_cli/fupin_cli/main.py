import typer

app = typer.Typer(help="Fupin: run, inspect, demo and benchmark the platform.", no_args_is_help=True)
