"""infra/template.yaml as the tests read it (CloudFormation's short tags kept)."""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

from server import ROOT

TEMPLATE = ROOT / "infra" / "template.yaml"


class CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags: `!Ref X` -> {"Ref": "X"}, `!Sub s` ->
    {"Fn::Sub": "s"}, `!GetAtt A.B` -> {"Fn::GetAtt": ["A", "B"]}."""


def _tag(loader: CfnLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


CfnLoader.add_multi_constructor("!", _tag)


@cache
def template() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.load(TEMPLATE.read_text(), Loader=CfnLoader)  # noqa: S506
    return loaded


def resources(kind: str) -> dict[str, dict[str, Any]]:
    return {
        name: resource
        for name, resource in template()["Resources"].items()
        if resource["Type"] == kind
    }
