"""Thin controllers: parse, authorise (declared on the route), call the service, shape."""
