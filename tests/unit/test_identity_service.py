"""Identity use cases: self-registration, login, bearer tokens and administration."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher

from sunbid.identity import passwords
from sunbid.identity import service as identity
from sunbid.identity.model import User
from sunbid.identity.service import SESSION_LIFETIME, NewOrganisation, NewUser
from sunbid.kernel.clock import FixedClock
from sunbid.kernel.context import PUBLIC, Actor, Context, Role
from sunbid.kernel.errors import Conflict, DomainError, Forbidden, NotFound, Unauthenticated

from .builders import T0, credit_code
from .fakes import FakeUnitOfWork

PASSWORD = "s3cret-enough"
ADMIN = Actor(user_id="usr_admin", role=Role.ADMINISTRATOR, org_id=None)


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2id with the smallest cost, so that registering many users stays fast."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


def ctx(clock: FixedClock, actor: Actor = PUBLIC) -> Context:
    return Context(actor=actor, clock=clock, address="198.51.100.7")


def new_org(n: int = 1, code: str | None = None) -> NewOrganisation:
    return NewOrganisation(name=f" 南京某建设集团{n}有限公司 ", credit_code=code or credit_code(n), address=" 南京市 ")


def new_user(username: str = "zhang", role: Role = Role.TENDERER, password: str = PASSWORD) -> NewUser:
    return NewUser(username=username, display_name="张三", password=password, role=role, org_id=None)


def register(uow: FakeUnitOfWork, clock: FixedClock, username: str = "zhang", n: int = 1) -> User:
    return identity.register(uow, ctx(clock), new_org(n), new_user(username))[1]


def login(uow: FakeUnitOfWork, clock: FixedClock, username: str = "zhang", password: str = PASSWORD) -> str:
    return identity.login(uow, ctx(clock), username, password)[0]


# ---------------------------------------------------------------------------- registration
@pytest.mark.parametrize("role", [Role.TENDERER, Role.AGENCY, Role.BIDDER])
def test_market_entities_register_themselves_and_their_first_user(
    uow: FakeUnitOfWork, clock: FixedClock, role: Role
) -> None:
    org, user = identity.register(uow, ctx(clock), new_org(), new_user(role=role))
    assert (org.name, org.address, org.credit_code) == ("南京某建设集团1有限公司", "南京市", credit_code(1))
    assert (user.role, user.org_id, user.active) == (role, org.id, True)
    assert user.password_hash != PASSWORD
    assert passwords.verify_password(user.password_hash, PASSWORD)
    assert uow.event_names() == ["OrganisationRegistered", "UserCreated"]
    registered, created = uow.events
    assert registered.public is True
    assert registered.data == {"name": org.name, "credit_code": org.credit_code}
    assert created.public is False
    assert PASSWORD not in repr(created.data)


@pytest.mark.parametrize("role", [Role.EXPERT, Role.SUPERVISOR, Role.AUDITOR, Role.ADMINISTRATOR])
def test_experts_supervisors_auditors_and_administrators_cannot_register_themselves(
    uow: FakeUnitOfWork, clock: FixedClock, role: Role
) -> None:
    with pytest.raises(DomainError) as refused:
        identity.register(uow, ctx(clock), new_org(), new_user(role=role))
    assert refused.value.code == "role_not_self_registrable"
    assert uow.organisations.rows == {}
    assert uow.events == []


def test_registration_with_an_invalid_credit_code_is_refused(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    bad = credit_code(1)[:17] + ("0" if credit_code(1)[17] != "0" else "1")
    with pytest.raises(DomainError) as refused:
        identity.register(uow, ctx(clock), new_org(code=bad), new_user())
    assert refused.value.code == "credit_code_invalid"


def test_registration_with_a_credit_code_already_registered_is_refused(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    register(uow, clock)
    with pytest.raises(Conflict) as refused:
        identity.register(uow, ctx(clock), new_org(2, code=credit_code(1).lower()), new_user("li"))
    assert refused.value.code == "organisation_exists"
    assert len(uow.organisations.rows) == 1
    assert uow.users.by_username("li") is None


def test_registration_with_a_username_already_taken_is_refused_and_registers_no_organisation(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    register(uow, clock)
    with pytest.raises(Conflict) as refused:
        identity.register(uow, ctx(clock), new_org(2), new_user("zhang"))
    assert refused.value.code == "username_taken"
    assert uow.organisations.by_credit_code(credit_code(2)) is None
    register(uow, clock, "li", 2)  # the code is still free


def test_password_shorter_than_10_characters_is_refused(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    with pytest.raises(DomainError) as refused:
        identity.register(uow, ctx(clock), new_org(), new_user(password="9chars!!!"))
    assert refused.value.code == "password_too_short"
    assert uow.organisations.rows == {}
    identity.register(uow, ctx(clock), new_org(), new_user(password="10chars!!!"))


# ---------------------------------------------------------------------------- login and sessions
def test_login_opens_a_session_whose_token_is_stored_only_as_a_hash(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    user = register(uow, clock)
    token, session, who = identity.login(uow, ctx(clock), "zhang", PASSWORD)
    assert who.id == user.id
    assert token.startswith("sbs_")
    assert session.token_hash == passwords.token_hash(token)
    assert token not in repr(uow.sessions.rows)
    assert (session.created_at, session.expires_at, session.address) == (T0, T0 + SESSION_LIFETIME, "198.51.100.7")
    logged_in = uow.events_named("UserLoggedIn")[0]
    assert (logged_in.public, logged_in.subject_id) == (False, user.id)


@pytest.mark.parametrize(
    ("username", "password"), [("zhang", "wrong-password"), ("nobody", PASSWORD), ("zhang", "")], ids=str
)
def test_login_with_a_wrong_username_or_password_fails_with_login_failed(
    uow: FakeUnitOfWork, clock: FixedClock, username: str, password: str
) -> None:
    register(uow, clock)
    with pytest.raises(Unauthenticated) as refused:
        identity.login(uow, ctx(clock), username, password)
    assert refused.value.code == "login_failed"
    assert uow.sessions.rows == {}


def test_deactivated_user_cannot_log_in(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    user = register(uow, clock)
    user.active = False
    with pytest.raises(Unauthenticated) as refused:
        login(uow, clock)
    assert refused.value.code == "login_failed"


def test_session_token_authenticates_as_its_user(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    user = register(uow, clock)
    token = login(uow, clock)
    assert identity.authenticate(uow, ctx(clock), token) == Actor(user.id, Role.TENDERER, user.org_id)


def test_session_expires_after_12_hours(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    register(uow, clock)
    token = login(uow, clock)
    clock.set(T0 + SESSION_LIFETIME - timedelta(seconds=1))
    identity.authenticate(uow, ctx(clock), token)
    clock.set(T0 + SESSION_LIFETIME)
    with pytest.raises(Unauthenticated) as refused:
        identity.authenticate(uow, ctx(clock), token)
    assert refused.value.code == "token_invalid"


def test_logged_out_session_no_longer_authenticates(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    register(uow, clock)
    token = login(uow, clock)
    identity.logout(uow, ctx(clock), token)
    with pytest.raises(Unauthenticated):
        identity.authenticate(uow, ctx(clock), token)
    identity.logout(uow, ctx(clock), token)  # logging out twice is harmless
    assert len(uow.events_named("UserLoggedOut")) == 1


def test_session_of_a_deactivated_user_no_longer_authenticates(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    user = register(uow, clock)
    token = login(uow, clock)
    user.active = False
    with pytest.raises(Unauthenticated):
        identity.authenticate(uow, ctx(clock), token)


@pytest.mark.parametrize("token", ["", "garbage", "sbs_unknown", "sbt_unknown", "Bearer sbs_x"])
def test_unknown_tokens_do_not_authenticate(uow: FakeUnitOfWork, clock: FixedClock, token: str) -> None:
    with pytest.raises(Unauthenticated) as refused:
        identity.authenticate(uow, ctx(clock), token)
    assert refused.value.code == "token_invalid"


def test_a_session_token_hash_does_not_work_as_an_api_token(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    register(uow, clock)
    token = login(uow, clock)
    with pytest.raises(Unauthenticated):
        identity.authenticate(uow, ctx(clock), "sbt_" + token.removeprefix("sbs_"))


# ---------------------------------------------------------------------------- API tokens
def test_api_token_authenticates_until_it_expires(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    user = register(uow, clock)
    me = user.as_actor()
    token, record = identity.create_api_token(uow, ctx(clock, me), "投标工具", timedelta(days=30))
    assert token.startswith("sbt_")
    assert record.token_hash == passwords.token_hash(token)
    assert record.expires_at == T0 + timedelta(days=30)
    assert identity.authenticate(uow, ctx(clock), token) == me
    clock.set(T0 + timedelta(days=30))
    with pytest.raises(Unauthenticated) as refused:
        identity.authenticate(uow, ctx(clock), token)
    assert refused.value.code == "token_invalid"


def test_api_token_without_lifetime_does_not_expire(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    user = register(uow, clock)
    token, record = identity.create_api_token(uow, ctx(clock, user.as_actor()), "数据交换")
    assert record.expires_at is None
    clock.set(T0 + timedelta(days=3650))
    assert identity.authenticate(uow, ctx(clock), token).user_id == user.id


def test_revoked_api_token_no_longer_authenticates(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    user = register(uow, clock)
    me = ctx(clock, user.as_actor())
    token, record = identity.create_api_token(uow, me, "投标工具")
    revoked = identity.revoke_api_token(uow, me, record.id)
    assert revoked.revoked_at == T0
    with pytest.raises(Unauthenticated) as refused:
        identity.authenticate(uow, ctx(clock), token)
    assert refused.value.code == "token_invalid"
    assert [e.public for e in uow.events_named("ApiTokenRevoked")] == [False]


def test_users_list_and_revoke_only_their_own_api_tokens(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    zhang = register(uow, clock, "zhang", 1)
    li = register(uow, clock, "li", 2)
    _, mine = identity.create_api_token(uow, ctx(clock, zhang.as_actor()), "甲")
    identity.create_api_token(uow, ctx(clock, li.as_actor()), "乙")
    assert [t.id for t in identity.list_api_tokens(uow, ctx(clock, zhang.as_actor()))] == [mine.id]
    with pytest.raises(NotFound) as refused:
        identity.revoke_api_token(uow, ctx(clock, li.as_actor()), mine.id)
    assert refused.value.code == "token_not_found"
    assert uow.api_tokens.rows[mine.id].revoked_at is None


def test_the_public_cannot_manage_api_tokens(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    with pytest.raises(Unauthenticated):
        identity.create_api_token(uow, ctx(clock), "匿名")
    with pytest.raises(Unauthenticated):
        identity.list_api_tokens(uow, ctx(clock))
    with pytest.raises(Unauthenticated):
        identity.revoke_api_token(uow, ctx(clock), "tok_x")


# ---------------------------------------------------------------------------- administration
def test_administrator_creates_organisations_and_users_of_any_role(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    admin = ctx(clock, ADMIN)
    org = identity.create_organisation(uow, admin, new_org())
    supervisor = identity.create_user(uow, admin, NewUser("jianguan", "监管员", PASSWORD, Role.SUPERVISOR, None))
    bidder = identity.create_user(uow, admin, NewUser("toubiao", "投标员", PASSWORD, Role.BIDDER, org.id))
    assert (supervisor.role, supervisor.org_id) == (Role.SUPERVISOR, None)
    assert bidder.org_id == org.id


def test_accounts_made_with_one_hash_of_a_shared_password_each_log_in_with_it(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    shared = passwords.hash_password(PASSWORD)
    for username in ("expert01", "expert02"):
        made = identity.create_user(
            uow, ctx(clock, ADMIN), NewUser(username, "评标专家", PASSWORD, Role.EXPERT, None, password_hash=shared)
        )
        assert made.password_hash == shared
        assert login(uow, clock, username)
    with pytest.raises(Unauthenticated):
        login(uow, clock, "expert01", PASSWORD + "!")


@pytest.mark.parametrize(
    "given", ["", "plain-text-password", "$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA", "$argon2id$x"]
)
def test_an_account_whose_given_hash_is_not_argon2id_is_refused_and_nothing_is_written(
    uow: FakeUnitOfWork, clock: FixedClock, given: str
) -> None:
    with pytest.raises(DomainError) as refused:
        identity.create_user(
            uow, ctx(clock, ADMIN), NewUser("zhou", "周", PASSWORD, Role.EXPERT, None, password_hash=given)
        )
    assert refused.value.code == "password_hash_invalid"
    assert uow.users.by_username("zhou") is None and uow.events == []


@pytest.mark.parametrize("role", [Role.TENDERER, Role.AGENCY, Role.BIDDER])
def test_market_users_must_belong_to_an_organisation(uow: FakeUnitOfWork, clock: FixedClock, role: Role) -> None:
    with pytest.raises(DomainError) as refused:
        identity.create_user(uow, ctx(clock, ADMIN), NewUser("x", "X", PASSWORD, role, None))
    assert refused.value.code == "organisation_required"


def test_user_of_an_unknown_organisation_is_refused(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    with pytest.raises(NotFound) as refused:
        identity.create_user(uow, ctx(clock, ADMIN), NewUser("x", "X", PASSWORD, Role.BIDDER, "org_missing"))
    assert refused.value.code == "organisation_not_found"


@pytest.mark.parametrize("actor", [PUBLIC, Actor("usr_1", Role.SUPERVISOR, None), Actor("usr_2", Role.TENDERER, "o")])
def test_only_administrators_create_organisations_and_users(
    uow: FakeUnitOfWork, clock: FixedClock, actor: Actor
) -> None:
    refusal = Unauthenticated if actor.is_public else Forbidden
    with pytest.raises(refusal):
        identity.create_organisation(uow, ctx(clock, actor), new_org())
    with pytest.raises(refusal):
        identity.create_user(uow, ctx(clock, actor), NewUser("x", "X", PASSWORD, Role.EXPERT, None))
    assert uow.events == []


def test_a_user_reads_itself_and_the_administrator_reads_anyone(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    zhang = register(uow, clock, "zhang", 1)
    li = register(uow, clock, "li", 2)
    assert identity.get_user(uow, ctx(clock, zhang.as_actor()), zhang.id).id == zhang.id
    assert identity.get_user(uow, ctx(clock, ADMIN), li.id).id == li.id
    with pytest.raises(NotFound):
        identity.get_user(uow, ctx(clock, zhang.as_actor()), li.id)


def test_organisations_are_public_facts(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    org = identity.register(uow, ctx(clock), new_org(), new_user())[0]
    assert identity.get_organisation(uow, ctx(clock), org.id).credit_code == org.credit_code
    with pytest.raises(NotFound):
        identity.get_organisation(uow, ctx(clock), "org_missing")


def test_listing_organisations_and_users_pages_for_those_allowed(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    for n in range(3):
        clock.set(T0 + timedelta(seconds=n))
        register(uow, clock, f"user{n}", n + 1)
    supervisor = ctx(clock, Actor("usr_s", Role.SUPERVISOR, None))
    page = identity.list_organisations(uow, supervisor, None, 2)
    assert len(page.items) == 2
    assert page.next_cursor is not None
    users = identity.list_users(uow, ctx(clock, ADMIN), None, 10)
    assert [u.username for u in users.items] == ["user2", "user1", "user0"]
    assert users.next_cursor is None
    with pytest.raises(Forbidden):
        identity.list_users(uow, supervisor, None, 10)
