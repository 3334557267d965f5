"""Turning uploaded BPMN and DMN into an executable spec, refusing anything unsafe or unrunnable
with a message that names the element at fault."""
