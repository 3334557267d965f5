"""The worklist: human tasks routed to org units and roles, claims, forms and completion."""
