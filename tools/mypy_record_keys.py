"""A mypy plugin: `.get("key")` on one of the app's records (server/domain/records.py)
must name a key the record declares, as a subscript must.

mypy checks `record["amout"]` against a TypedDict's keys, but not `record.get("amout")`
(that answers `object`): and `.get` is how every optional attribute of an item is read.
So a renamed key read with `.get` (a mutant, a typo) would pass mypy. This hook reports
it as mypy reports a subscript (`typeddict-item`), then leaves the inference of the
value's type to mypy's own hook. Only the app's records: other TypedDicts (boto3's
answers) keep mypy's behaviour. docs/decisions.md, "Typed records"."""

from __future__ import annotations

from collections.abc import Callable

from mypy.errorcodes import TYPEDDICT_ITEM
from mypy.plugin import MethodContext, Plugin
from mypy.plugins.default import typed_dict_get_callback
from mypy.typeops import try_getting_str_literals
from mypy.types import Type, TypedDictType, get_proper_type

RECORDS = "server.domain.records."


def _record_name(typ: TypedDictType) -> str | None:
    """The record's name when `typ` is one of the app's records, else None."""
    name = typ.fallback.type.fullname
    return name.removeprefix(RECORDS) if name.startswith(RECORDS) else None


def _checked_get(ctx: MethodContext) -> Type:
    record = get_proper_type(ctx.type)
    if isinstance(record, TypedDictType) and ctx.args and len(ctx.args[0]) == 1:
        name = _record_name(record)
        keys = try_getting_str_literals(ctx.args[0][0], ctx.arg_types[0][0])
        for key in keys or ():
            if name is not None and key not in record.items:
                ctx.api.fail(
                    f'TypedDict "{name}" has no key "{key}"', ctx.context, code=TYPEDDICT_ITEM
                )
    return typed_dict_get_callback(ctx)


class RecordKeys(Plugin):
    def get_method_hook(self, fullname: str) -> Callable[[MethodContext], Type] | None:
        return _checked_get if fullname == "typing.Mapping.get" else None


def plugin(version: str) -> type[Plugin]:
    return RecordKeys
