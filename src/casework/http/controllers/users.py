"""Users and their tokens (admin only). A token is shown once, in the answer that issues it."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, post
from litestar.datastructures import State

from casework.access.users import User, UserStore
from casework.http.policy import ADMINS, authorize
from casework.http.resources import json_response
from casework.http.routes import COMMAND_PROBLEMS, query
from casework.http.schemas.users import IssuedUser, NewUser, UserList, UserOut

# A kept answer would have to keep the token: POST /users takes no Idempotency-Key.
NOT_IDEMPOTENT = {"roles": ADMINS, "resource": None, "idempotency": False}


def user_out(user: User) -> UserOut:
    return UserOut(
        user.id,
        user.name,
        user.role,
        list(user.areas),
        user.created_at,
        user.expires_at,
        user.revoked_at,
    )


class UserController(Controller):
    path = "/users"
    guards = (authorize,)
    tags = ("users",)

    @post(
        "/",
        sync_to_thread=True,
        status_code=201,
        opt=NOT_IDEMPOTENT,
        responses=COMMAND_PROBLEMS,
    )
    def add(self, data: NewUser, state: State) -> Response[IssuedUser]:
        users: UserStore = state.users
        user, token = users.add(
            name=data.name, role=data.role, areas=data.areas, expires_at=data.expires_at
        )
        issued = IssuedUser(user.id, user.name, user.role, list(user.areas), user.expires_at, token)
        return json_response(issued, status=201, headers={"Location": f"/users/{user.id}"})

    @query("/", roles=ADMINS)
    def index(self, state: State) -> Response[UserList]:
        users: UserStore = state.users
        return json_response(UserList([user_out(u) for u in users.list()]))

    @query("/{user_id:uuid}", roles=ADMINS)
    def read(self, user_id: UUID, state: State) -> Response[UserOut]:
        users: UserStore = state.users
        return json_response(user_out(users.get(user_id)))

    @post(
        "/{user_id:uuid}/revocation",
        sync_to_thread=True,
        status_code=200,
        opt={"roles": ADMINS, "resource": None},
        responses=COMMAND_PROBLEMS,
    )
    def revoke(self, user_id: UUID, state: State) -> Response[UserOut]:
        """Revokes every token of the user at once; revoking twice keeps the first instant."""
        users: UserStore = state.users
        return json_response(user_out(users.revoke(user_id)))
