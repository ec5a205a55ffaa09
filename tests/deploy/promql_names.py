"""The metric names a PromQL expression reads, without a PromQL parser.

Good enough for Lookout's own rules and dashboard (tests/deploy/k8s_checks.py, rule
"monitoring", and tests/e2e/metrics_scrape_test.sh): string literals, label matchers `{...}`,
range and subquery brackets `[...]`, grouping clauses `by (...)`, `on (...)` and the like, and
Grafana's `$variables` are removed; what is left that looks like an identifier and is neither a
function call, a keyword nor a number is a metric name (or a recording rule's, which has a ':').
"""

import re
from typing import Set

_KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left",
             "group_right", "bool", "offset", "inf", "nan", "atan2"}
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")


def metric_names(expr: str) -> Set[str]:
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    text = re.sub(r"'(?:[^'\\]|\\.)*'", "''", text)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = _GROUPING.sub(" ", text)
    text = re.sub(r"\$\{?\w+\}?", " ", text)
    text = re.sub(r"\b\d+(\.\d+)?(e[+-]?\d+)?\b", " ", text)
    names = set()
    for match in _IDENT.finditer(text):
        name = match.group(0)
        rest = text[match.end():].lstrip()
        if rest.startswith("(") or name.lower() in _KEYWORDS:
            continue  # a function, or an aggregation before its argument
        names.add(name)
    return names


def rule_exprs(rule_doc: dict):
    """(name, expr) of every rule of a PrometheusRule document; name is the alert or record."""
    for group in (rule_doc.get("spec") or {}).get("groups") or []:
        for rule in group.get("rules") or []:
            yield rule.get("alert") or rule.get("record"), str(rule.get("expr", ""))


def dashboard_exprs(dashboard: dict):
    """(panel title, expr) of every query of a Grafana dashboard, rows' panels included, and
    the template variables' queries."""
    def panels(items):
        for panel in items or []:
            yield panel
            yield from panels(panel.get("panels"))
    for panel in panels(dashboard.get("panels")):
        for target in panel.get("targets") or []:
            if "expr" in target:
                yield panel.get("title", ""), target["expr"]
    for variable in (dashboard.get("templating") or {}).get("list") or []:
        query = variable.get("query")
        if isinstance(query, dict):
            query = query.get("query")
        if variable.get("type") == "query" and isinstance(query, str):
            inner = re.match(r"\s*label_values\((.*),\s*\w+\)\s*$", query)
            yield f"variable {variable.get('name')}", inner.group(1) if inner else query
