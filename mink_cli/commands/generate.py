"""`mink generate KIND NAME [field:type ...]`: code (and its tests) from the templates."""

from __future__ import annotations

from typing import Annotated

import typer

from mink_cli.commands._common import options
from mink_cli.commands._plans import DiffFlag, DryRunFlag, ForceFlag, SkipFlag, settle, show_plan

__all__ = ["app"]

app = typer.Typer(
    help="Generate code and its tests: render a plan (create / identical / update / conflict / "
    "overwrite / skip per file), then apply it. Re-running is safe: identical files are left "
    "alone; without a terminal a conflict needs --force or --skip (else exit 5).\n\n"
    "Field types: str, int, float, bool, decimal, datetime, date, uuid; TYPE? is optional, "
    "list[TYPE] a tuple.",
    no_args_is_help=True,
)

Fields = Annotated[
    list[str] | None, typer.Argument(metavar="[FIELD:TYPE]...", help="e.g. total:decimal note:str?")
]


def _generate(
    ctx: typer.Context,
    kind: str,
    name: str,
    fields: list[str] | None,
    *,
    aggregate: str | None = None,
    event: str | None = None,
    extra: dict[str, object] | None = None,
    dry_run: bool,
    diff: bool,
    force: bool,
    skip: bool,
) -> None:
    from mink_cli.ops import scaffold

    opts = options(ctx)
    console, settings = opts.console(), opts.settings()
    specs = fields or []
    plan = scaffold.plan_generate(
        settings,
        kind,
        name,
        specs,
        aggregate=aggregate,
        event=event,
        force=force,
        skip=skip,
        extra=extra,
    )
    show_plan(console, plan, diff=diff)
    if dry_run:
        return
    written = scaffold.apply_generate(
        settings,
        settle(console, plan),
        kind=kind,
        name=name,
        field_specs=specs,
        aggregate=aggregate,
        event=event,
    )
    console.emit({"root": str(plan.root), "written": [c.path for c in written]})


@app.command()
def aggregate(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The aggregate, e.g. Order.")],
    fields: Fields = None,
    dry_run: DryRunFlag = False,
    diff: DiffFlag = False,
    force: ForceFlag = False,
    skip: SkipFlag = False,
) -> None:
    """An aggregate, its Created event (with the fields), its Create command on the bus, tests.

    \b
    Examples:
      mink generate aggregate Order customer_id:str total:decimal
      mink generate aggregate Order --dry-run --diff
    """
    _generate(ctx, "aggregate", name, fields, dry_run=dry_run, diff=diff, force=force, skip=skip)


@app.command()
def event(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The event, e.g. Shipped (or Order.Shipped).")],
    fields: Fields = None,
    aggregate: Annotated[
        str | None, typer.Option("--aggregate", "-a", help="The aggregate it belongs to.")
    ] = None,
    dry_run: DryRunFlag = False,
    diff: DiffFlag = False,
    force: ForceFlag = False,
    skip: SkipFlag = False,
) -> None:
    """An event of an aggregate, registered as <aggregate>.<Name>, with its test.

    \b
    Examples:
      mink generate event Order.Shipped carrier:str shipped_at:datetime
      mink generate event Cancelled --aggregate Order reason:str?
    """
    from mink_cli.ops.scaffold import split_event_name

    event_name, owner = split_event_name(name, aggregate)
    _generate(
        ctx,
        "event",
        event_name,
        fields,
        aggregate=owner,
        dry_run=dry_run,
        diff=diff,
        force=force,
        skip=skip,
    )


@app.command()
def command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The aggregate and the action, e.g. Order.Ship.")],
    fields: Fields = None,
    aggregate: Annotated[
        str | None, typer.Option("--aggregate", "-a", help="The aggregate it acts on.")
    ] = None,
    event: Annotated[
        str | None,
        typer.Option("--event", "-e", help="The event it records (default: from the action)."),
    ] = None,
    dry_run: DryRunFlag = False,
    diff: DiffFlag = False,
    force: ForceFlag = False,
    skip: SkipFlag = False,
) -> None:
    """A command of an aggregate, its handler on the project's bus, its event and a test.

    Order.Ship makes the command ShipOrder (order_id and the fields) in
    commands/ship_order.py, listed in commands/__init__.py so that bus(store) handles it;
    the method Order.ship that records the event; the event, named by the action's first word
    in the past tense moved to the end (Ship: Shipped, ChangeAddress: AddressChanged) unless
    --event names it; its @apply method; and a given/when/then test through the bus.

    \b
    Examples:
      mink generate command Order.Ship carrier:str
      mink generate command Pay --aggregate Invoice amount:decimal --event PaymentReceived
    """
    from mink_cli.ops.scaffold import split_event_name

    action, owner = split_event_name(name, aggregate)
    _generate(
        ctx,
        "command",
        action,
        fields,
        aggregate=owner,
        event=event,
        dry_run=dry_run,
        diff=diff,
        force=force,
        skip=skip,
    )


@app.command()
def model(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The read model, e.g. OrderSummary.")],
    fields: Fields = None,
    dry_run: DryRunFlag = False,
    diff: DiffFlag = False,
    force: ForceFlag = False,
    skip: SkipFlag = False,
) -> None:
    """A read model: a dataclass, its table declared in models.py, and a test.

    OrderSummary makes read_models/order_summary.py (id: str first, unless an id field of
    type str, int or uuid is given) and declares its table order_summary in the project's
    metadata, so that `mink migrate new "..." --autogenerate` writes its migration.

    \b
    Examples:
      mink generate model OrderSummary total:decimal customer:str placed_at:datetime
      mink migrate new "order summary" --autogenerate && mink migrate up
    """
    _generate(ctx, "model", name, fields, dry_run=dry_run, diff=diff, force=force, skip=skip)


@app.command()
def projection(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The projection, e.g. OrderSummaries.")],
    events: Annotated[
        str,
        typer.Option(
            "--events",
            "-e",
            metavar="AGGREGATE.EVENT,...",
            help="The events it handles, e.g. Order.Created,Order.Shipped.",
        ),
    ] = "",
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            help="The read model it writes (made when missing; default: NAME in the singular).",
        ),
    ] = None,
    dry_run: DryRunFlag = False,
    diff: DiffFlag = False,
    force: ForceFlag = False,
    skip: SkipFlag = False,
) -> None:
    """A projection keeping a read model up to date from events, listed in the project's
    projections(store), with a test through ProjectionScenario.

    OrderSummaries makes projections/order_summaries.py: one @handles method per event, typed
    with the project's event class, copying the event's fields the read model shares into the
    model of the event's stream (made when the event carries every required field, else
    updated); build(store) puts its read model in the store's database. A missing read model is
    generated with the first event's fields (then `mink migrate new "..." --autogenerate`).

    \b
    Examples:
      mink generate projection OrderSummaries --events Order.Created,Order.Shipped
      mink generate projection Totals -e Order.Created --model OrderTotal
    """
    _generate(
        ctx,
        "projection",
        name,
        None,
        extra={"events": events, "model": model},
        dry_run=dry_run,
        diff=diff,
        force=force,
        skip=skip,
    )


@app.command()
def saga(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The process manager, e.g. Invoicing.")],
    on: Annotated[
        str,
        typer.Option(
            "--on",
            metavar="AGGREGATE.EVENT,...",
            help="The events it reacts to, e.g. Order.Created.",
        ),
    ] = "",
    then: Annotated[
        str,
        typer.Option(
            "--then",
            metavar="AGGREGATE.ACTION",
            help="The command it dispatches, e.g. Invoice.Create.",
        ),
    ] = "",
    dry_run: DryRunFlag = False,
    diff: DiffFlag = False,
    force: ForceFlag = False,
    skip: SkipFlag = False,
) -> None:
    """A process manager: an async projection dispatching a command through the project's bus
    on each event, listed in projections(store), with a given/when/then test.

    Invoicing --on Order.Created --then Invoice.Create makes projections/invoicing.py: on each
    order.Created it dispatches CreateInvoice (invoice_id: the event's stream id; fields copied
    from the event where they match) with the idempotency key "invoicing:<event id>", so a
    replay or a retry never runs the command twice.

    \b
    Examples:
      mink generate saga Invoicing --on Order.Created --then Invoice.Create
      mink generate saga Shipping --on Invoice.PaymentReceived --then Order.Ship
    """
    _generate(
        ctx,
        "saga",
        name,
        None,
        extra={"on": on, "then": then},
        dry_run=dry_run,
        diff=diff,
        force=force,
        skip=skip,
    )
