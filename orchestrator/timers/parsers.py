"""The BPMN parser whose timer events read our clock: SpiffWorkflow's own parser, with the
event parsers (start, intermediate catch, boundary) creating the definitions of
orchestrator.timers.definitions instead of SpiffWorkflow's."""

from __future__ import annotations

from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.spiff.parser.event_parsers import (
    SpiffBoundaryEventParser,
    SpiffIntermediateCatchEventParser,
    SpiffStartEventParser,
)
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from .definitions import CLOCK_TIMERS


class _ClockTimers:
    """Mixed into an event parser: the same timer parsing, our definition classes."""

    def parse_timer_event(self, event):
        definition = super().parse_timer_event(event)
        ours = CLOCK_TIMERS[type(definition)]
        return ours(definition.name, definition.expression, description=definition.description)


class StartEventParser(_ClockTimers, SpiffStartEventParser):
    pass


class IntermediateCatchEventParser(_ClockTimers, SpiffIntermediateCatchEventParser):
    pass


class BoundaryEventParser(_ClockTimers, SpiffBoundaryEventParser):
    pass


def _with_clock_timers(classes: dict) -> dict:
    ours = dict(classes)
    for tag, parser in (("startEvent", StartEventParser),
                        ("intermediateCatchEvent", IntermediateCatchEventParser),
                        ("boundaryEvent", BoundaryEventParser)):
        ours[full_tag(tag)] = (parser, classes[full_tag(tag)][1])
    return ours


class ClockBpmnParser(SpiffBpmnParser):
    """SpiffBpmnParser with timers on our clock; use it wherever a spec is parsed."""

    OVERRIDE_PARSER_CLASSES = _with_clock_timers(SpiffBpmnParser.OVERRIDE_PARSER_CLASSES)
