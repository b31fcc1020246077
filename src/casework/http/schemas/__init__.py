"""Request and response bodies: msgspec Structs, separate from the events they lead to.

Request Structs forbid unknown fields (422 naming the field); the OpenAPI document is generated
from these types, so a constraint written here is also the published contract.
"""
