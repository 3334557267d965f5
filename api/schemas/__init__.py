"""marshmallow schemas shared by several blueprints; a blueprint's own request and response
schemas live next to its views."""
