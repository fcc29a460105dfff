"""CloudFormation intrinsic functions, resolved offline: ``Ref``, ``Fn::GetAtt``,
``Fn::Sub``, ``Fn::Join``, ``Fn::If`` and the rest, with pseudo parameters, template
parameters (defaults or given values), conditions and mappings."""

from __future__ import annotations

import base64
import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from asl.diagnostics import pointer as make_pointer
from asl.project.document import TemplateDocument, TemplateError
from asl.project.naming import Naming

__all__ = ["Resolver", "NO_VALUE"]

SAM_FUNCTION = "AWS::Serverless::Function"


class _NoValue:
    """``Ref: AWS::NoValue``: the property is removed."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE: Any = _NoValue()

_SUB = re.compile(r"\$\{([^}]*)\}")


class Resolver:
    """Evaluates intrinsic functions in template values (see the module docstring)."""

    def __init__(
        self,
        template: TemplateDocument,
        naming: Naming,
        parameters: Mapping[str, Any],
    ):
        self.template = template
        self.naming = naming
        document = template.document
        self.resources: dict[str, Any] = document.get("Resources") or {}
        self.mappings: dict[str, Any] = document.get("Mappings") or {}
        self.condition_defs: dict[str, Any] = document.get("Conditions") or {}
        self.parameters = _parameter_values(template, parameters)
        self._conditions: dict[str, bool] = {}
        self._evaluating: set[str] = set()
        self._functions: dict[str, Callable[[Any, str], Any]] = {
            "Ref": self._ref,
            "Fn::GetAtt": self._get_att,
            "Fn::Sub": self._sub,
            "Fn::Join": self._join,
            "Fn::If": self._if,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::FindInMap": self._find_in_map,
            "Fn::Equals": self._equals,
            "Fn::Not": self._not,
            "Fn::And": self._and,
            "Fn::Or": self._or,
            "Fn::Base64": self._base64,
            "Fn::ImportValue": self._import_value,
            "Condition": self._condition_ref,
            "Fn::GetAZs": self._get_azs,
            "Fn::Cidr": self._cidr,
            "Fn::ToJsonString": self._to_json_string,
            "Fn::Length": self._length,
        }

    # -- the walk -------------------------------------------------------------------

    def resolve(self, value: Any, where: str) -> Any:
        """``value`` (found at JSON pointer ``where``) with every intrinsic evaluated."""
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, argument),) = value.items()
                function = self._functions.get(key)
                if function is not None:
                    return function(argument, f"{where}/{_escape(key)}")
            out = {}
            for key, item in value.items():
                resolved = self.resolve(item, f"{where}/{_escape(key)}")
                if resolved is not NO_VALUE:
                    out[key] = resolved
            return out
        if isinstance(value, list):
            items = [self.resolve(item, f"{where}/{i}") for i, item in enumerate(value)]
            return [item for item in items if item is not NO_VALUE]
        return value

    def condition(self, name: str, where: str) -> bool:
        """The value of a named condition of the ``Conditions`` section."""
        if name in self._conditions:
            return self._conditions[name]
        if name not in self.condition_defs:
            raise self.error(where, f"condition {name!r} is not declared in Conditions")
        if name in self._evaluating:
            raise self.error(where, f"condition {name!r} refers to itself")
        self._evaluating.add(name)
        try:
            value = self.resolve(self.condition_defs[name], make_pointer("Conditions", name))
        finally:
            self._evaluating.discard(name)
        if not isinstance(value, bool):
            raise self.error(
                make_pointer("Conditions", name), f"condition {name!r} is not a boolean"
            )
        self._conditions[name] = value
        return value

    def error(self, where: str, message: str) -> TemplateError:
        return self.template.error(where, message)

    def _string(self, value: Any, where: str, what: str) -> str:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.error(where, f"{what} must be a string, got {json.dumps(value)}")
        return value if isinstance(value, str) else _number_text(value)

    def _list(self, value: Any, where: str, what: str, size: int | None = None) -> list[Any]:
        if not isinstance(value, list) or (size is not None and len(value) != size):
            count = f" of {size} items" if size is not None else ""
            raise self.error(where, f"{what} takes a list{count}, got {json.dumps(value)}")
        return value

    # -- the functions ----------------------------------------------------------------

    def _ref(self, argument: Any, where: str) -> Any:
        name = self._string(argument, where, "Ref")
        return self.reference(name, where)

    def reference(self, name: str, where: str) -> Any:
        """What ``Ref: name`` gives: a parameter's value, a pseudo parameter, a resource's id."""
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.parameters:
            return self.parameters[name]
        pseudo = self.naming.pseudo(name)
        if pseudo is not None:
            return pseudo
        if name in self.resources:
            return self.naming.ref(name)
        logical, _, suffix = name.rpartition(".")
        if suffix in ("Alias", "Version") and self.naming.kind(logical) == SAM_FUNCTION:
            return self._published(logical, suffix, where)
        raise self.error(where, f"Ref to {name!r}: no parameter or resource has that name")

    def auto_publish_alias(self, logical: str) -> str | None:
        """A SAM function's ``AutoPublishAlias`` (its own, or from Globals), resolved."""
        properties = self.resources[logical].get("Properties") or {}
        where = f"/Resources/{_escape(logical)}/Properties/AutoPublishAlias"
        value = properties.get("AutoPublishAlias")
        if value is None:
            globals_ = (self.template.document.get("Globals") or {}).get("Function") or {}
            value, where = globals_.get("AutoPublishAlias"), "/Globals/Function/AutoPublishAlias"
        return None if value is None else str(self.resolve(value, where))

    def _published(self, logical: str, suffix: str, where: str) -> str:
        """SAM's ``!Ref Function.Alias`` / ``!Ref Function.Version``: the qualified ARN."""
        alias = self.auto_publish_alias(logical)
        if alias is None:
            raise self.error(where, f"Ref to {logical}.{suffix}: {logical} has no AutoPublishAlias")
        qualifier = alias if suffix == "Alias" else "1"
        return f"{self.naming.arn(logical)}:{qualifier}"

    def _get_att(self, argument: Any, where: str) -> Any:
        if isinstance(argument, str):
            argument = argument.split(".", 1)
        parts = self.resolve(argument, where)
        parts = self._list(parts, where, "Fn::GetAtt", 2)
        logical, attribute = (self._string(p, where, "Fn::GetAtt") for p in parts)
        return self.attribute(logical, attribute, where)

    def attribute(self, logical: str, attribute: str, where: str) -> Any:
        if logical not in self.resources:
            raise self.error(where, f"Fn::GetAtt of {logical!r}: no resource has that name")
        return self.naming.attribute(logical, attribute)

    def _sub(self, argument: Any, where: str) -> Any:
        variables: dict[str, Any] = {}
        if isinstance(argument, list):
            self._list(argument, where, "Fn::Sub", 2)
            text, given = argument
            given = self.resolve(given, f"{where}/1")
            if not isinstance(given, dict):
                raise self.error(where, "the second item of Fn::Sub must be a map of variables")
            variables = given
            text_where = f"{where}/0"
        else:
            text, text_where = argument, where
        text = self._string(self.resolve(text, text_where), text_where, "Fn::Sub")
        return self.substitute(text, variables, text_where)

    def substitute(self, text: str, variables: Mapping[str, Any], where: str) -> str:
        """``${Name}``, ``${Resource.Attribute}`` and ``${!Literal}`` in ``text``."""

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            name = name.strip()
            if name in variables:
                value = variables[name]
            elif "." in name and "::" not in name.split(".", 1)[0]:
                logical, attribute = name.split(".", 1)
                value = self.attribute(logical, attribute, where)
            else:
                value = self.reference(name, where)
            if isinstance(value, list):
                value = ",".join(str(v) for v in value)
            return self._string(value, where, f"${{{name}}}")

        return _SUB.sub(replace, text)

    def _join(self, argument: Any, where: str) -> Any:
        delimiter, items = self._list(argument, where, "Fn::Join", 2)
        delimiter = self._string(self.resolve(delimiter, f"{where}/0"), where, "Fn::Join")
        items = self._list(self.resolve(items, f"{where}/1"), where, "Fn::Join")
        return delimiter.join(self._string(item, f"{where}/1", "a Fn::Join item") for item in items)

    def _if(self, argument: Any, where: str) -> Any:
        name, then, otherwise = self._list(argument, where, "Fn::If", 3)
        chosen = 1 if self.condition(self._string(name, where, "Fn::If"), where) else 2
        return self.resolve((then, otherwise)[chosen - 1], f"{where}/{chosen}")

    def _select(self, argument: Any, where: str) -> Any:
        index, items = self._list(argument, where, "Fn::Select", 2)
        index = self.resolve(index, f"{where}/0")
        items = self._list(self.resolve(items, f"{where}/1"), where, "Fn::Select")
        try:
            return items[int(index)]
        except (ValueError, TypeError, IndexError):
            raise self.error(where, f"Fn::Select index {index!r} is outside the list") from None

    def _split(self, argument: Any, where: str) -> Any:
        delimiter, text = self._list(argument, where, "Fn::Split", 2)
        text = self._string(self.resolve(text, f"{where}/1"), where, "Fn::Split")
        return text.split(self._string(delimiter, where, "Fn::Split"))

    def _find_in_map(self, argument: Any, where: str) -> Any:
        items = self._list(self.resolve(argument, where), where, "Fn::FindInMap")
        if len(items) not in (3, 4):
            raise self.error(where, "Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey]")
        name, top, second = (self._string(i, where, "Fn::FindInMap") for i in items[:3])
        try:
            return self.mappings[name][top][second]
        except (KeyError, TypeError):
            if len(items) == 4 and isinstance(items[3], dict) and "DefaultValue" in items[3]:
                return items[3]["DefaultValue"]
            raise self.error(
                where, f"Fn::FindInMap: Mappings has no {name}/{top}/{second}"
            ) from None

    def _equals(self, argument: Any, where: str) -> bool:
        left, right = self._list(self.resolve(argument, where), where, "Fn::Equals", 2)
        return _comparable(left) == _comparable(right)

    def _not(self, argument: Any, where: str) -> bool:
        (value,) = self._list(self.resolve(argument, where), where, "Fn::Not", 1)
        return not self._boolean(value, where)

    def _and(self, argument: Any, where: str) -> bool:
        values = self._list(self.resolve(argument, where), where, "Fn::And")
        return all(self._boolean(v, where) for v in values)

    def _or(self, argument: Any, where: str) -> bool:
        values = self._list(self.resolve(argument, where), where, "Fn::Or")
        return any(self._boolean(v, where) for v in values)

    def _boolean(self, value: Any, where: str) -> bool:
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return value == "true"
        raise self.error(where, f"a condition must be true or false, got {json.dumps(value)}")

    def _condition_ref(self, argument: Any, where: str) -> bool:
        return self.condition(self._string(argument, where, "Condition"), where)

    def _base64(self, argument: Any, where: str) -> str:
        text = self._string(self.resolve(argument, where), where, "Fn::Base64")
        return base64.b64encode(text.encode()).decode("ascii")

    def _import_value(self, argument: Any, where: str) -> Any:
        name = self._string(self.resolve(argument, where), where, "Fn::ImportValue")
        if name in self.parameters:  # an export given like a parameter
            return self.parameters[name]
        raise self.error(
            where,
            f"Fn::ImportValue {name!r} is an export of another stack: "
            f"give its value with parameters={{{name!r}: ...}} (--parameter-overrides)",
        )

    def _get_azs(self, argument: Any, where: str) -> list[str]:
        region = self.resolve(argument, where) or self.naming.region
        return [f"{region}{zone}" for zone in "abc"]

    def _cidr(self, argument: Any, where: str) -> list[str]:
        block, count, bits = self._list(self.resolve(argument, where), where, "Fn::Cidr", 3)
        try:
            network = ipaddress.ip_network(str(block), strict=False)
            prefix = network.max_prefixlen - int(bits)
            subnets = network.subnets(new_prefix=prefix)
            return [str(next(subnets)) for _ in range(int(count))]
        except (ValueError, StopIteration) as e:
            raise self.error(where, f"Fn::Cidr: {e or 'not enough addresses'}") from None

    def _to_json_string(self, argument: Any, where: str) -> str:
        return json.dumps(self.resolve(argument, where), separators=(",", ":"))

    def _length(self, argument: Any, where: str) -> int:
        return len(self._list(self.resolve(argument, where), where, "Fn::Length"))


def _parameter_values(template: TemplateDocument, given: Mapping[str, Any]) -> dict[str, Any]:
    """Each declared parameter's value: the given one, else its Default."""
    declared = template.document.get("Parameters") or {}
    values: dict[str, Any] = {}
    for name, spec in declared.items():
        spec = spec if isinstance(spec, dict) else {}
        where = make_pointer("Parameters", name)
        if name in given:
            value = given[name]
        elif "Default" in spec:
            value = spec["Default"]
        else:
            raise TemplateError(
                f"{template.where(where)}: parameter {name!r} has no Default: give it with "
                f"parameters={{{name!r}: ...}} (--parameter-overrides {name}=VALUE)"
            )
        allowed = spec.get("AllowedValues")
        if isinstance(allowed, list) and str(value) not in [str(a) for a in allowed]:
            raise TemplateError(
                f"{template.where(where)}: parameter {name!r} must be one of {allowed}, "
                f"got {value!r}"
            )
        kind = str(spec.get("Type", "String"))
        if kind.startswith("List<") or kind == "CommaDelimitedList":
            value = value if isinstance(value, list) else str(value).split(",")
        elif not isinstance(value, str):
            value = _number_text(value) if isinstance(value, (int, float)) else value
        values[name] = value
    unknown = sorted(set(given) - set(declared))
    # Extra values may stand for Fn::ImportValue exports: keep them, but not as Refs to
    # undeclared parameters (CloudFormation would reject those).
    for name in unknown:
        values.setdefault(name, given[name])
    return values


def _comparable(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _number_text(value)
    return value


def _number_text(value: int | float) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")
