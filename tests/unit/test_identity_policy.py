"""The access policy, written out as the matrix it must implement.

Every actor below belongs to the organisation ``MINE`` (except the public, which has no
user and no organisation), so the role alone decides where two columns differ. Each row
is one action on one resource; each column one role. Y = allowed, N = refused.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from sunbid.identity.policy import OVERSIGHT, Action, allowed, authorize, authorize_read, scope
from sunbid.kernel.context import PUBLIC, Actor, Role
from sunbid.kernel.errors import Forbidden, NotFound, Unauthenticated
from sunbid.kernel.query import Scope

MINE, OTHER, THIRD = "org_mine", "org_other", "org_third"
ME = "usr_me"

COLUMNS = ("tenderer", "agency", "bidder", "expert", "supervisor", "auditor", "administrator", "public")


def actor_for(column: str) -> Actor:
    return PUBLIC if column == "public" else Actor(user_id=ME, role=Role(column), org_id=MINE)


def plan(status: str, owner: str) -> Any:
    return SimpleNamespace(status=status, tenderer_org_id=owner)


def tender(status: str, tenderer: str, agency: str | None, method: str = "open", invitees: tuple[str, ...] = ()) -> Any:
    return SimpleNamespace(
        status=status, tenderer_org_id=tenderer, agency_org_id=agency, method=method, invitee_org_ids=list(invitees)
    )


def bid(by: str, *members: str) -> Any:
    return SimpleNamespace(bidder_org_id=by, member_org_ids=[by, *members])


def deposit(by: str) -> Any:
    return SimpleNamespace(bidder_org_id=by)


def document(published: bool) -> Any:
    return SimpleNamespace(published_at="2025-04-02T01:00:00+00:00" if published else None)


def objection(by: str) -> Any:
    return SimpleNamespace(objector_org_id=by)


def seated(*users: str) -> Any:
    """A committee whose sitting members are the given user ids (the evaluation's view of it)."""
    return SimpleNamespace(member_of=lambda user_id: SimpleNamespace(id="mbr") if user_id in users else None)


def explanation(by: str) -> Any:
    return SimpleNamespace(bidder_org_id=by)


def evaluation(published: bool) -> Any:
    return SimpleNamespace(publicity={"body": {}} if published else None)


def notice(to: str) -> Any:
    return SimpleNamespace(bidder_org_id=to)


def complaint(by: str) -> Any:
    return SimpleNamespace(complainant_org_id=by)


def token(user_id: str) -> Any:
    return SimpleNamespace(user_id=user_id)


def expert(user_id: str) -> Any:
    return SimpleNamespace(user_id=user_id)


def committee(status: str, *members: tuple[str, str]) -> Any:
    """A committee in ``status`` whose members are (user id, member status) pairs."""
    return SimpleNamespace(status=status, members=[SimpleNamespace(user_id=u, status=s) for u, s in members])


# Tenders as seen from MINE: we are the tenderer, we are the agency, or neither.
OURS = {"tenderer": (MINE, OTHER), "agency": (OTHER, MINE), "none": (OTHER, THIRD)}


def t(status: str, ours: str) -> Any:
    return tender(status, *OURS[ours])


Y, N = True, False
A = Action

# fmt: off
MATRIX: list[tuple[Action, str, Any, tuple[bool, ...]]] = [
    # action              resource                                   resource object                                      ten agy bid exp sup aud adm pub
    (A.ORG_CREATE,        "nothing",                                 None,                                                (N,  N,  N,  N,  N,  N,  Y,  N)),
    (A.ORG_LIST,          "nothing",                                 None,                                                (N,  N,  N,  N,  Y,  Y,  Y,  N)),
    (A.USER_CREATE,       "nothing",                                 None,                                                (N,  N,  N,  N,  N,  N,  Y,  N)),
    (A.USER_LIST,         "nothing",                                 None,                                                (N,  N,  N,  N,  N,  N,  Y,  N)),
    (A.TOKEN_MANAGE,      "no particular token",                     None,                                                (Y,  Y,  Y,  Y,  Y,  Y,  Y,  N)),
    (A.TOKEN_MANAGE,      "own token",                               token(ME),                                           (Y,  Y,  Y,  Y,  Y,  Y,  Y,  N)),
    (A.TOKEN_MANAGE,      "another user's token",                    token("usr_else"),                                   (N,  N,  N,  N,  N,  N,  N,  N)),
    (A.PLAN_CREATE,       "nothing",                                 None,                                                (Y,  N,  N,  N,  N,  N,  N,  N)),
    (A.PLAN_READ,         "draft plan of our org",                   plan("draft", MINE),                                 (Y,  N,  N,  N,  Y,  Y,  N,  N)),
    (A.PLAN_READ,         "draft plan of another org",               plan("draft", OTHER),                                (N,  N,  N,  N,  Y,  Y,  N,  N)),
    (A.PLAN_READ,         "published plan of our org",               plan("published", MINE),                             (Y,  Y,  Y,  Y,  Y,  Y,  Y,  Y)),
    (A.PLAN_READ,         "published plan of another org",           plan("published", OTHER),                            (Y,  Y,  Y,  Y,  Y,  Y,  Y,  Y)),
    (A.PLAN_READ,         "withdrawn plan of another org",           plan("withdrawn", OTHER),                            (Y,  Y,  Y,  Y,  Y,  Y,  Y,  Y)),
    (A.PLAN_MANAGE,       "draft plan of our org",                   plan("draft", MINE),                                 (Y,  N,  N,  N,  N,  N,  N,  N)),
    (A.PLAN_MANAGE,       "published plan of our org",               plan("published", MINE),                             (Y,  N,  N,  N,  N,  N,  N,  N)),
    (A.PLAN_MANAGE,       "published plan of another org",           plan("published", OTHER),                            (N,  N,  N,  N,  N,  N,  N,  N)),
    (A.TENDER_CREATE,     "published plan of our org",               plan("published", MINE),                             (Y,  N,  N,  N,  N,  N,  N,  N)),
    (A.TENDER_CREATE,     "published plan of another org",           plan("published", OTHER),                            (N,  N,  N,  N,  N,  N,  N,  N)),
    (A.TENDER_READ,       "draft tender, we are the tenderer",       t("draft", "tenderer"),                              (Y,  N,  N,  N,  Y,  Y,  N,  N)),
    (A.TENDER_READ,       "draft tender, we are the agency",         t("draft", "agency"),                                (N,  Y,  N,  N,  Y,  Y,  N,  N)),
    (A.TENDER_READ,       "draft tender of other orgs",              t("draft", "none"),                                  (N,  N,  N,  N,  Y,  Y,  N,  N)),
    (A.TENDER_READ,       "cancelled tender, we are the tenderer",   t("cancelled", "tenderer"),                          (Y,  N,  N,  N,  Y,  Y,  N,  N)),
    (A.TENDER_READ,       "cancelled tender of other orgs",          t("cancelled", "none"),                              (N,  N,  N,  N,  Y,  Y,  N,  N)),
    (A.TENDER_READ,       "announced tender of other orgs",          t("announced", "none"),                              (Y,  Y,  Y,  Y,  Y,  Y,  Y,  Y)),
    (A.TENDER_READ,       "suspended tender of other orgs",          t("suspended", "none"),                              (Y,  Y,  Y,  Y,  Y,  Y,  Y,  Y)),
    (A.TENDER_READ,       "closed tender of other orgs",             t("bidding_closed", "none"),                         (Y,  Y,  Y,  Y,  Y,  Y,  Y,  Y)),
    (A.TENDER_READ,       "terminated tender of other orgs",         t("terminated", "none"),                             (Y,  Y,  Y,  Y,  Y,  Y,  Y,  Y)),
    (A.TENDER_MANAGE,     "tender, we are the tenderer",             t("announced", "tenderer"),                          (Y,  N,  N,  N,  N,  N,  N,  N)),
    (A.TENDER_MANAGE,     "tender, we are the agency",               t("announced", "agency"),                            (N,  Y,  N,  N,  N,  N,  N,  N)),
    (A.TENDER_MANAGE,     "tender of other orgs",                    t("announced", "none"),                              (N,  N,  N,  N,  N,  N,  N,  N)),
    (A.DOCUMENT_READ,     "draft document, we are the tenderer",     (t("announced", "tenderer"), document(False)),       (Y,  N,  N,  N,  Y,  Y,  N,  N)),
    (A.DOCUMENT_READ,     "draft document, we are the agency",       (t("announced", "agency"), document(False)),         (N,  Y,  N,  N,  Y,  Y,  N,  N)),
    (A.DOCUMENT_READ,     "draft document of other orgs",            (t("announced", "none"), document(False)),           (N,  N,  N,  N,  Y,  Y,  N,  N)),
    (A.DOCUMENT_READ,     "published document of other orgs",        (t("announced", "none"), document(True)),            (Y,  Y,  Y,  Y,  Y,  Y,  Y,  N)),
    (A.OBJECTION_RAISE,   "tender of other orgs",                    t("announced", "none"),                              (N,  N,  Y,  N,  N,  N,  N,  N)),
    (A.OBJECTION_RAISE,   "tender, we are the tenderer",             t("announced", "tenderer"),                          (N,  N,  N,  N,  N,  N,  N,  N)),
    (A.OBJECTION_RAISE,   "tender, we are the agency",               t("announced", "agency"),                            (N,  N,  N,  N,  N,  N,  N,  N)),
    (A.OBJECTION_READ,    "our objection to other orgs' tender",     (t("suspended", "none"), objection(MINE)),           (Y,  Y,  Y,  Y,  Y,  Y,  Y,  N)),
    (A.OBJECTION_READ,    "other org's objection to their tender",   (t("suspended", "none"), objection("org_fourth")),   (N,  N,  N,  N,  Y,  Y,  N,  N)),
    (A.OBJECTION_READ,    "objection to our tender, as tenderer",    (t("suspended", "tenderer"), objection(THIRD)),      (Y,  N,  N,  N,  Y,  Y,  N,  N)),
    (A.OBJECTION_READ,    "objection to our tender, as agency",      (t("suspended", "agency"), objection(THIRD)),        (N,  Y,  N,  N,  Y,  Y,  N,  N)),
    (A.EVENTS_READ_ALL,   "nothing",                                 None,                                                (N,  N,  N,  N,  Y,  Y,  N,  N)),
    (A.CLOCK_ADVANCE,     "nothing",                                 None,                                                (N,  N,  N,  N,  N,  N,  Y,  N)),
    (A.SCHEDULER_RUN,     "nothing",                                 None,                                                (N,  N,  N,  N,  N,  N,  Y,  N)),
    (A.BID_SUBMIT,        "open tender of other orgs",               t("announced", "none"),                              (N,  N,  Y,  N,  N,  N,  N,  N)),
    (A.BID_SUBMIT,        "tender, we are the tenderer",             t("announced", "tenderer"),                          (N,  N,  N,  N,  N,  N,  N,  N)),
    (A.BID_SUBMIT,        "tender, we are the agency",               t("announced", "agency"),                            (N,  N,  N,  N,  N,  N,  N,  N)),
    (A.BID_SUBMIT,        "invited tender, we are invited",          tender("announced", OTHER, THIRD, "invited", (MINE,)), (N,  N,  Y,  N,  N,  N,  N,  N)),
    (A.BID_SUBMIT,        "invited tender, we are not invited",      tender("announced", OTHER, THIRD, "invited"),        (N,  N,  N,  N,  N,  N,  N,  N)),
    (A.BID_READ,          "our bid before the deadline",             (t("announced", "none"), bid(MINE)),                 (Y,  Y,  Y,  Y,  Y,  Y,  Y,  N)),
    (A.BID_READ,          "our consortium's bid before the deadline", (t("announced", "none"), bid(OTHER, MINE)),         (Y,  Y,  Y,  Y,  Y,  Y,  Y,  N)),
    (A.BID_READ,          "a bid to our tender before the deadline", (t("announced", "tenderer"), bid(THIRD)),            (N,  N,  N,  N,  N,  N,  N,  N)),
    (A.BID_READ,          "a bid to our tender, agency, before",     (t("announced", "agency"), bid(THIRD)),              (N,  N,  N,  N,  N,  N,  N,  N)),
    (A.BID_READ,          "another's bid before the deadline",       (t("announced", "none"), bid(THIRD)),                (N,  N,  N,  N,  N,  N,  N,  N)),
    (A.BID_READ,          "a bid to our tender at the opening",      (t("opening", "tenderer"), bid(THIRD)),              (Y,  N,  N,  N,  Y,  Y,  N,  N)),
    (A.BID_READ,          "another's bid at the opening",            (t("opening", "none"), bid(THIRD)),                  (N,  N,  N,  N,  Y,  Y,  N,  N)),
    (A.BID_EVIDENCE_READ, "tender before the deadline",              t("announced", "none"),                              (N,  N,  N,  N,  N,  N,  N,  N)),
    (A.BID_EVIDENCE_READ, "tender at the opening",                   t("opening", "none"),                                (N,  N,  N,  N,  Y,  Y,  N,  N)),
    (A.OPENING_READ,      "opening we bid in",                       (t("opening", "none"), {MINE}),                      (Y,  Y,  Y,  Y,  Y,  Y,  Y,  N)),
    (A.OPENING_READ,      "opening of our tender",                   (t("opening", "tenderer"), {THIRD}),                 (Y,  N,  N,  N,  Y,  Y,  N,  N)),
    (A.OPENING_READ,      "opening of others",                       (t("opening", "none"), {THIRD}),                     (N,  N,  N,  N,  Y,  Y,  N,  N)),
    (A.OPENING_READ,      "concluded opening of others",             (t("opened", "none"), {THIRD}),                      (Y,  Y,  Y,  Y,  Y,  Y,  Y,  Y)),
    (A.OPENING_READ,      "tender still announced",                  (t("announced", "tenderer"), set()),                 (N,  N,  N,  N,  N,  N,  N,  N)),
    (A.OPENING_OBJECT,    "opening we bid in",                       (t("opening", "none"), {MINE}),                      (N,  N,  Y,  N,  N,  N,  N,  N)),
    (A.OPENING_OBJECT,    "opening of others",                       (t("opening", "none"), {THIRD}),                     (N,  N,  N,  N,  N,  N,  N,  N)),
    (A.OPENING_OBJECT,    "concluded opening we bid in",             (t("opened", "none"), {MINE}),                       (N,  N,  N,  N,  N,  N,  N,  N)),
    (A.CUSTODIAN_ACT,     "we are a custodian",                      {ME},                                                (Y,  Y,  Y,  Y,  Y,  Y,  Y,  N)),
    (A.CUSTODIAN_ACT,     "we are not",                              {"usr_else"},                                        (N,  N,  N,  N,  N,  N,  N,  N)),
    (A.DEPOSIT_BANK,      "nothing",                                 None,                                                (N,  N,  N,  N,  N,  N,  Y,  N)),
    (A.DEPOSIT_GUARANTEE, "nothing",                                 None,                                                (N,  N,  Y,  N,  N,  N,  N,  N)),
    (A.DEPOSIT_READ,      "our deposit before the deadline",         (t("announced", "none"), deposit(MINE)),             (Y,  Y,  Y,  Y,  Y,  Y,  Y,  N)),
    (A.DEPOSIT_READ,      "a deposit to our tender, before",         (t("announced", "tenderer"), deposit(THIRD)),        (N,  N,  N,  N,  N,  N,  N,  N)),
    (A.DEPOSIT_READ,      "a deposit to our tender, at the opening", (t("opening", "tenderer"), deposit(THIRD)),          (Y,  N,  N,  N,  Y,  Y,  Y,  N)),
    (A.CREDIT_GRADE_SET,  "nothing",                                 None,                                                (N,  N,  N,  N,  Y,  N,  N,  N)),
    (A.ORG_RELATION_MANAGE, "nothing",                               None,                                                (N,  N,  N,  N,  Y,  N,  Y,  N)),
    # experts and committees: every actor is the user ME, so "we are a member" holds in every logged-in column
    (A.EXPERT_MANAGE,     "nothing",                                 None,                                                (N,  N,  N,  N,  Y,  N,  Y,  N)),
    (A.EXPERT_EXIT,       "nothing",                                 None,                                                (N,  N,  N,  N,  Y,  N,  N,  N)),
    (A.EXPERT_LIST,       "nothing",                                 None,                                                (N,  N,  N,  N,  Y,  Y,  Y,  N)),
    (A.EXPERT_READ,       "our own expert record",                   expert(ME),                                          (N,  N,  N,  Y,  Y,  Y,  Y,  N)),
    (A.EXPERT_READ,       "another expert's record",                 expert("usr_else"),                                  (N,  N,  N,  N,  Y,  Y,  Y,  N)),
    (A.EXPERT_DECLARE,    "our own expert record",                   expert(ME),                                          (N,  N,  N,  Y,  N,  N,  N,  N)),
    (A.EXPERT_DECLARE,    "another expert's record",                 expert("usr_else"),                                  (N,  N,  N,  N,  N,  N,  N,  N)),
    (A.EXPERT_DECLARE,    "no linked record",                        None,                                                (N,  N,  N,  N,  N,  N,  N,  N)),
    (A.EXPERT_RATE,       "our tender, as tenderer",                 t("opened", "tenderer"),                             (Y,  N,  N,  N,  Y,  N,  N,  N)),
    (A.EXPERT_RATE,       "our tender, as agency",                   t("opened", "agency"),                               (N,  Y,  N,  N,  Y,  N,  N,  N)),
    (A.EXPERT_RATE,       "tender of other orgs",                    t("opened", "none"),                                 (N,  N,  N,  N,  Y,  N,  N,  N)),
    (A.EXPERT_FLAG,       "our tender, as tenderer",                 t("opened", "tenderer"),                             (Y,  N,  N,  N,  Y,  N,  N,  N)),
    (A.EXPERT_FLAG,       "tender of other orgs",                    t("opened", "none"),                                 (N,  N,  N,  N,  Y,  N,  N,  N)),
    (A.COMMITTEE_REQUEST, "our tender, as tenderer",                 t("opening", "tenderer"),                            (Y,  N,  N,  N,  N,  N,  N,  N)),
    (A.COMMITTEE_REQUEST, "our tender, as agency",                   t("opening", "agency"),                              (N,  Y,  N,  N,  N,  N,  N,  N)),
    (A.COMMITTEE_REQUEST, "tender of other orgs",                    t("opening", "none"),                                (N,  N,  N,  N,  N,  N,  N,  N)),
    (A.COMMITTEE_MANAGE,  "our tender, as tenderer",                 t("opening", "tenderer"),                            (Y,  N,  N,  N,  N,  N,  N,  N)),
    (A.COMMITTEE_MANAGE,  "tender of other orgs",                    t("opening", "none"),                                (N,  N,  N,  N,  N,  N,  N,  N)),
    (A.DRAW_CONTRIBUTE,   "nothing",                                 None,                                                (N,  N,  N,  N,  Y,  N,  N,  N)),
    (A.DRAW_AUDIT,        "nothing",                                 None,                                                (N,  N,  N,  N,  Y,  Y,  N,  N)),
    (A.COMMITTEE_READ,    "drawn committee of our tender",           (t("opening", "tenderer"), committee("drawn")),      (Y,  N,  N,  N,  Y,  Y,  N,  N)),
    (A.COMMITTEE_READ,    "drawn committee, we were drawn",          (t("opening", "none"), committee("drawn", (ME, "active"))), (Y, Y, Y, Y, Y, Y, Y, N)),
    (A.COMMITTEE_READ,    "drawn committee, we are a reserve",       (t("opening", "none"), committee("drawn", (ME, "reserve"))), (Y, Y, Y, Y, Y, Y, Y, N)),
    (A.COMMITTEE_READ,    "drawn committee of others",               (t("opening", "none"), committee("drawn", ("usr_else", "active"))), (N, N, N, N, Y, Y, N, N)),
    (A.COMMITTEE_MEMBERS_READ, "drawn committee of our tender",      (t("opening", "tenderer"), committee("drawn")),      (N,  N,  N,  N,  Y,  Y,  N,  N)),
    (A.COMMITTEE_MEMBERS_READ, "sitting committee of our tender",    (t("opening", "tenderer"), committee("sitting")),    (Y,  N,  N,  N,  Y,  Y,  N,  N)),
    (A.COMMITTEE_MEMBERS_READ, "drawn committee, we were drawn",     (t("opening", "none"), committee("drawn", (ME, "active"))), (N, N, N, N, Y, Y, N, N)),
    (A.COMMITTEE_MEMBERS_READ, "sitting committee, we sit on it",    (t("opening", "none"), committee("sitting", (ME, "active"))), (Y, Y, Y, Y, Y, Y, Y, N)),
    (A.COMMITTEE_MEMBERS_READ, "sitting committee, we are a reserve", (t("opening", "none"), committee("sitting", (ME, "reserve"))), (N, N, N, N, Y, Y, N, N)),
    (A.DRAW_RECORD_READ,  "drawn committee of our tender",           (t("opening", "tenderer"), committee("drawn")),      (N,  N,  N,  N,  N,  N,  N,  N)),
    (A.DRAW_RECORD_READ,  "sitting committee of our tender",         (t("opening", "tenderer"), committee("sitting")),    (Y,  N,  N,  N,  Y,  Y,  N,  N)),
    (A.DRAW_RECORD_READ,  "sitting committee of others",             (t("opening", "none"), committee("sitting")),        (N,  N,  N,  N,  Y,  Y,  N,  N)),
    (A.DRAW_RECORD_READ,  "dissolved committee of others",           (t("opened", "none"), committee("dissolved")),       (Y,  Y,  Y,  Y,  Y,  Y,  Y,  Y)),
    (A.COMMITTEE_SIT,     "committee we sit on",                     committee("sitting", (ME, "active")),                (Y,  Y,  Y,  Y,  Y,  Y,  Y,  N)),
    (A.COMMITTEE_SIT,     "committee we were replaced on",           committee("sitting", (ME, "replaced")),              (N,  N,  N,  N,  N,  N,  N,  N)),
    (A.VENUE_MANAGE,      "nothing",                                 None,                                                (N,  N,  N,  N,  N,  N,  Y,  N)),
    (A.RECORDING_ANCHOR,  "nothing",                                 None,                                                (N,  N,  N,  N,  N,  N,  Y,  N)),
    (A.RECORDING_READ,    "nothing",                                 None,                                                (N,  N,  N,  N,  Y,  Y,  Y,  N)),
    (A.REGISTRY_MANAGE,   "nothing",                                 None,                                                (N,  N,  N,  N,  Y,  N,  Y,  N)),
    (A.REGISTRY_READ,     "nothing",                                 None,                                                (Y,  Y,  Y,  Y,  Y,  Y,  Y,  N)),
    (A.EVALUATION_MANAGE, "our tender",                              t("opened", "tenderer"),                             (Y,  N,  N,  N,  N,  N,  N,  N)),
    (A.EVALUATION_MANAGE, "a tender we are agency for",              t("opened", "agency"),                               (N,  Y,  N,  N,  N,  N,  N,  N)),
    (A.EVALUATION_MANAGE, "someone else's tender",                   t("opened", "none"),                                 (N,  N,  N,  N,  N,  N,  N,  N)),
    (A.EVALUATION_SIT,    "a committee we sit on",                   seated(ME),                                          (Y,  Y,  Y,  Y,  Y,  Y,  Y,  N)),
    (A.EVALUATION_SIT,    "a committee we do not sit on",            seated("usr_else"),                                  (N,  N,  N,  N,  N,  N,  N,  N)),
    (A.EVALUATION_OVERSEE, "nothing",                                None,                                                (N,  N,  N,  N,  Y,  Y,  N,  N)),
    (A.EVALUATION_FOLLOW, "our tender",                              (t("opened", "tenderer"), None),                     (Y,  N,  N,  N,  Y,  Y,  N,  N)),
    (A.EVALUATION_FOLLOW, "someone else's tender",                   (t("opened", "none"), None),                         (N,  N,  N,  N,  Y,  Y,  N,  N)),
    (A.EXPLANATION_ANSWER, "a request to us",                        explanation(MINE),                                   (N,  N,  Y,  N,  N,  N,  N,  N)),
    (A.EXPLANATION_ANSWER, "a request to another bidder",            explanation(OTHER),                                  (N,  N,  N,  N,  N,  N,  N,  N)),
    (A.PUBLICITY_OBJECT,  "a section we bid in",                     {MINE, OTHER},                                       (N,  N,  Y,  N,  N,  N,  N,  N)),
    (A.PUBLICITY_OBJECT,  "a section we did not bid in",             {OTHER},                                             (N,  N,  N,  N,  N,  N,  N,  N)),
    (A.PUBLICITY_READ,    "published candidates",                    evaluation(True),                                    (Y,  Y,  Y,  Y,  Y,  Y,  Y,  Y)),
    (A.PUBLICITY_READ,    "nothing published yet",                   evaluation(False),                                   (N,  N,  N,  N,  Y,  Y,  N,  N)),
    (A.NOTICE_READ,       "our notice",                              (t("opened", "none"), notice(MINE)),                 (Y,  Y,  Y,  Y,  Y,  Y,  Y,  N)),
    (A.NOTICE_READ,       "another bidder's notice, our tender",     (t("opened", "tenderer"), notice(THIRD)),            (Y,  N,  N,  N,  Y,  Y,  N,  N)),
    (A.NOTICE_READ,       "another bidder's notice",                 (t("opened", "none"), notice(THIRD)),                (N,  N,  N,  N,  Y,  Y,  N,  N)),
    (A.COMPLAINT_FILE,    "nothing",                                 None,                                                (N,  N,  Y,  N,  N,  N,  N,  N)),
    (A.COMPLAINT_ENTER,   "nothing",                                 None,                                                (N,  N,  N,  N,  Y,  N,  N,  N)),
    (A.COMPLAINT_HANDLE,  "nothing",                                 None,                                                (N,  N,  N,  N,  Y,  N,  N,  N)),
    (A.COMPLAINT_READ,    "our complaint",                           (t("opened", "none"), complaint(MINE)),              (Y,  Y,  Y,  Y,  Y,  Y,  Y,  N)),
    (A.COMPLAINT_READ,    "a complaint about our tender",            (t("opened", "tenderer"), complaint(THIRD)),         (Y,  N,  N,  N,  Y,  Y,  N,  N)),
    (A.COMPLAINT_READ,    "someone else's complaint",                (t("opened", "none"), complaint(THIRD)),             (N,  N,  N,  N,  Y,  Y,  N,  N)),
    # warnings are investigations: nobody but oversight reads them, only supervisors act
    (A.WARNING_READ,      "nothing",                                 None,                                                (N,  N,  N,  N,  Y,  Y,  N,  N)),
    (A.WARNING_ACT,       "nothing",                                 None,                                                (N,  N,  N,  N,  Y,  N,  N,  N)),
    (A.RISK_READ,         "nothing",                                 None,                                                (N,  N,  N,  N,  Y,  Y,  N,  N)),
    (A.RISK_CATALOGUE,    "nothing",                                 None,                                                (Y,  Y,  Y,  Y,  Y,  Y,  Y,  Y)),
    (A.CREDIT_READ,       "our organisation's grade",                ("organisation", MINE, None),                        (Y,  Y,  Y,  Y,  Y,  Y,  Y,  N)),
    (A.CREDIT_READ,       "another organisation's grade",            ("organisation", OTHER, None),                       (N,  N,  N,  N,  Y,  Y,  N,  N)),
    (A.CREDIT_READ,       "our own expert grade",                    ("expert", "exp_mine", ME),                          (N,  N,  N,  Y,  Y,  Y,  N,  N)),
    (A.CREDIT_READ,       "another expert's grade",                  ("expert", "exp_else", "usr_else"),                  (N,  N,  N,  N,  Y,  Y,  N,  N)),
    (A.CREDIT_LIST,       "nothing",                                 None,                                                (N,  N,  N,  N,  Y,  Y,  N,  N)),
    (A.CREDIT_MANAGE,     "nothing",                                 None,                                                (N,  N,  N,  N,  Y,  N,  N,  N)),
    (A.PENALTY_RECORD,    "nothing",                                 None,                                                (N,  N,  N,  N,  Y,  N,  N,  N)),
    (A.PENALTY_READ,      "nothing",                                 None,                                                (Y,  Y,  Y,  Y,  Y,  Y,  Y,  Y)),
    (A.SPOT_CHECK_MANAGE, "nothing",                                 None,                                                (N,  N,  N,  N,  Y,  N,  N,  N)),
    (A.SPOT_CHECK_READ,   "nothing",                                 None,                                                (N,  N,  N,  N,  Y,  Y,  N,  N)),
]
# fmt: on

CELLS = [
    pytest.param(action, resource, column, expected, id=f"{action}-{label}-{column}")
    for action, label, resource, row in MATRIX
    for column, expected in zip(COLUMNS, row, strict=True)
]


def test_the_matrix_has_a_column_for_every_role_and_the_public() -> None:
    assert set(COLUMNS) == {r.value for r in Role} | {"public"}
    assert len(COLUMNS) == len(set(COLUMNS))


def test_the_evaluation_room_flags_deviations_in_the_platforms_own_name() -> None:
    from sunbid.kernel.context import SYSTEM

    assert allowed(SYSTEM, Action.EXPERT_FLAG, t("opened", "none"))
    assert not allowed(SYSTEM, Action.EXPERT_RATE, t("opened", "none"))


def test_the_matrix_covers_every_action() -> None:
    assert {action for action, *_ in MATRIX} == set(Action)


@pytest.mark.parametrize(("action", "resource", "column", "expected"), CELLS)
def test_policy_allows_exactly_what_the_matrix_says(action: Action, resource: Any, column: str, expected: bool) -> None:
    assert allowed(actor_for(column), action, resource) is expected


@pytest.mark.parametrize(("action", "resource", "column", "expected"), CELLS)
def test_authorize_agrees_with_allowed_and_says_log_in_to_the_public_and_forbidden_to_others(
    action: Action, resource: Any, column: str, expected: bool
) -> None:
    actor = actor_for(column)
    if expected:
        authorize(actor, action, resource)
        return
    refusal = Unauthenticated if column == "public" else Forbidden
    with pytest.raises(refusal) as refused:
        authorize(actor, action, resource)
    assert refused.type is refusal
    assert refused.value.code == ("login_required" if column == "public" else "forbidden")
    assert refused.value.details == {"action": str(action)}


def test_authorize_read_turns_a_refusal_into_the_given_not_found() -> None:
    missing = NotFound("plan_not_found", "未找到", "No plan")
    with pytest.raises(NotFound) as refused:
        authorize_read(actor_for("bidder"), Action.PLAN_READ, plan("draft", OTHER), missing)
    assert refused.value is missing
    authorize_read(actor_for("tenderer"), Action.PLAN_READ, plan("draft", MINE), missing)


def test_a_tenderer_without_an_organisation_can_neither_create_plans_nor_manage_tenders() -> None:
    orphan = Actor(user_id=ME, role=Role.TENDERER, org_id=None)
    assert not allowed(orphan, Action.PLAN_CREATE)
    assert not allowed(orphan, Action.TENDER_MANAGE, tender("draft", MINE, None))
    assert not allowed(
        Actor(user_id=ME, role=Role.AGENCY, org_id=None), Action.TENDER_MANAGE, tender("draft", MINE, None)
    )


def test_a_bidder_without_an_organisation_cannot_raise_objections() -> None:
    assert not allowed(Actor(user_id=ME, role=Role.BIDDER, org_id=None), Action.OBJECTION_RAISE, t("announced", "none"))


def test_oversight_reads_drafts_without_belonging_to_any_organisation() -> None:
    for role in OVERSIGHT:
        supervisor = Actor(user_id=ME, role=role, org_id=None)
        assert allowed(supervisor, Action.PLAN_READ, plan("draft", OTHER))
        assert allowed(supervisor, Action.TENDER_READ, t("draft", "none"))
        assert allowed(supervisor, Action.OBJECTION_READ, (t("suspended", "none"), objection(THIRD)))


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        (Actor(ME, Role.SUPERVISOR, None), Scope(everything=True)),
        (Actor(ME, Role.AUDITOR, MINE), Scope(everything=True)),
        (Actor(ME, Role.TENDERER, MINE), Scope(org_ids=frozenset({MINE}))),
        (Actor(ME, Role.AGENCY, MINE), Scope(org_ids=frozenset({MINE}))),
        (Actor(ME, Role.TENDERER, None), Scope()),
        (Actor(ME, Role.BIDDER, MINE), Scope()),
        (Actor(ME, Role.EXPERT, MINE), Scope()),
        (Actor(ME, Role.ADMINISTRATOR, None), Scope()),
        (PUBLIC, Scope()),
    ],
    ids=[
        "supervisor",
        "auditor",
        "tenderer",
        "agency",
        "tenderer-without-org",
        "bidder",
        "expert",
        "administrator",
        "public",
    ],
)
def test_listing_scope_is_everything_for_oversight_own_org_for_managers_and_public_rows_for_the_rest(
    actor: Actor, expected: Scope
) -> None:
    assert scope(actor) == expected
